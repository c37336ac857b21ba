// The settings view: its heading, the way back to the inbox, the tab strip and the panels.
// The view's state (settings-state.js) is in `store`, which settings.js also changes when
// the view is opened (the selected tab is read again).
import { settled, selectTab, tabsFor } from "../settings-state.js";
import { useStore } from "../use-store.js";
import { SettingsPanel } from "./SettingsPanel.js";
import { SettingsTabs } from "./SettingsTabs.js";

/** `owner` decides the tabs; `me` is the agent's id; `close()` leaves the view. */
export function SettingsView({ store, owner, me, close }) {
  const view = useStore(store);
  const tabs = tabsFor(owner);
  const select = (key) => store.set((s) => selectTab(s, key));
  return (
    <>
      <div class="set-head">
        <h2 id="settings-title">Settings</h2>
        <button type="button" class="set-back" onClick={close}>← Back to inbox</button>
      </div>
      <div class="set-body">
        <SettingsTabs tabs={tabs} selected={view.selected} select={select} />
        <div class="set-panels">
          {tabs.map(([key]) => {
            const load = view.loads[key] || 0;
            return (
              <SettingsPanel key={key} tab={key} shown={key === view.selected} load={load} busy={view.busy[key]}
                settled={() => store.set((s) => settled(s, key, load))} me={me} />
            );
          })}
        </div>
      </div>
    </>
  );
}
