// The walkthrough's SMS or WhatsApp step: save the account in Settings, paste the webhook
// address into the provider, send a test message (its arrival ticks the step live).
import { CHANNELS, accountLine, channelWait } from "../onboarding-channels.js";
import { CopyBox } from "./CopyBox.js";

/** The Settings view on its Integrations tab (Settings closes the walkthrough). */
function openIntegrations() {
  document.getElementById("settings-open").click();
  document.getElementById("set-tab-integrations")?.click();
}

export function OnboardingChannel({ channel, item, data }) {
  const spec = CHANNELS[channel];
  const account = accountLine(item, spec.provider);
  const wait = channelWait(item, spec.provider);
  return (
    <div>
      <p class="set-hint">{`Optional: answer ${spec.app} messages from this inbox.`}</p>
      <p>{`1. Save your ${spec.provider} account in Settings → Integrations.`}</p>
      <p class="ob-account" data-connected={account.connected}>{account.text}</p>
      <button type="button" onClick={openIntegrations}>Open Settings → Integrations</button>
      <p>{`2. ${spec.intro}`}</p>
      {spec.hooks.map(([name, label]) => <CopyBox key={name} label={label} value={data?.webhooks[name]} />)}
      <p>{`3. ${spec.test}`}</p>
      <p class="ob-wait" role="status" data-state={wait.state}>{wait.text}</p>
    </div>
  );
}
