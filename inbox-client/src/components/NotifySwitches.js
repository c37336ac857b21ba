// The header's notification switches (the agent's own, kept by the hub) and, when on but this
// browser was not asked yet, "Allow"; why notifications cannot show, when they cannot.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";

function why(prefs) {
  if (!prefs.notifications) return "";
  if (!window.Notification) return "This browser cannot show notifications.";
  return prefs.permission === "denied" ? "Notifications are blocked by the browser: allow them for this site." : "";
}

export function NotifySwitches() {
  const { notifier } = useInbox();
  const prefs = useStore(notifier.prefs);
  const toggle = (name) => (e) => notifier.turn(name, e.currentTarget.checked);
  return (
    <div class="notify">
      <label><input type="checkbox" id="notify-toggle" disabled={!prefs.ready} checked={prefs.notifications}
        onChange={toggle("notifications")} /> Desktop notifications</label>
      <label><input type="checkbox" id="sound-toggle" disabled={!prefs.ready} checked={prefs.sound}
        onChange={toggle("sound")} /> Sound</label>
      <span id="notify-status" class="notify-status" role="status">{prefs.ready ? why(prefs) : ""}</span>
      <button type="button" id="notify-allow" title="Allow notifications in this browser"
        hidden={!(prefs.ready && prefs.notifications && prefs.permission === "default")} onClick={notifier.allow}>Allow</button>
    </div>
  );
}
