// One settings tab's panel: hidden unless selected, aria-busy while its read is on its way,
// and its section's component, mounted the first time the tab is shown and kept after.
import { AccountTab } from "./AccountTab.js";
import { AiForm } from "./AiForm.js";
import { AnalyticsTab } from "./AnalyticsTab.js";
import { ApiKeysTab } from "./ApiKeysTab.js";
import { FormTab } from "./FormTab.js";
import { HoursTab } from "./HoursTab.js";
import { InboxForm } from "./InboxForm.js";
import { IntegrationsTab } from "./IntegrationsTab.js";
import { LabelsTab } from "./LabelsTab.js";
import { ProfileForm } from "./ProfileForm.js";
import { QaTab } from "./QaTab.js";
import { TeamTab } from "./TeamTab.js";
import { TeamsTab } from "./TeamsTab.js";
import { WidgetForm } from "./WidgetForm.js";
import { WebhooksTab } from "./WebhooksTab.js";

const formTab = (title, path, form) => [FormTab, { title, path, form }];

/** Each tab's component and its props besides {load, settled, me}. */
const SECTIONS = {
  profile: formTab("Profile & facts", "/api/company", ProfileForm), qa: [QaTab, {}],
  ai: formTab("AI", "/api/ai-settings", AiForm), widget: formTab("Widget", "/api/widget-settings", WidgetForm),
  inbox: formTab("Inbox", "/api/inbox-settings", InboxForm), team: [TeamTab, {}], teams: [TeamsTab, {}], integrations: [IntegrationsTab, {}],
  analytics: [AnalyticsTab, {}], hours: [HoursTab, {}], apikeys: [ApiKeysTab, {}], labels: [LabelsTab, {}],
  account: [AccountTab, {}],
  webhooks: [WebhooksTab, {}],
};

/** `load` counts the times the tab was shown (0: never); `settled()` ends that load's busy. */
export function SettingsPanel({ tab, shown, load, busy, settled, me }) {
  const [Section, props] = SECTIONS[tab];
  return (
    <section id={`set-panel-${tab}`} class="set-panel" role="tabpanel" aria-labelledby={`set-tab-${tab}`} data-tab={tab}
      hidden={!shown} aria-busy={busy ? "true" : undefined}>
      {load ? <Section load={load} settled={settled} me={me} {...props} /> : null}
    </section>
  );
}
