// The settings' tab strip: a vertical tablist whose arrow keys, Home and End move the
// selection and the focus together (settings-state.js's stepTab); one tab is in the Tab order.
import { stepTab } from "../settings-state.js";

/** `tabs` are [key, label] pairs; `select(key)` shows a tab (and reads it again). */
export function SettingsTabs({ tabs, selected, select }) {
  const onKeyDown = (e) => {
    const keys = tabs.map(([key]) => key);
    const next = stepTab(keys, document.activeElement?.dataset.tab ?? selected, e.key);
    if (!next) return;
    e.preventDefault();
    select(next);
    document.getElementById(`set-tab-${next}`).focus();
  };
  return (
    <div class="set-tabs" role="tablist" aria-label="Settings sections" aria-orientation="vertical" onKeyDown={onKeyDown}>
      {tabs.map(([key, label]) => (
        <button key={key} type="button" id={`set-tab-${key}`} role="tab" data-tab={key} aria-controls={`set-panel-${key}`}
          aria-selected={key === selected ? "true" : "false"} tabIndex={key === selected ? 0 : -1} onClick={() => select(key)}>
          {label}
        </button>
      ))}
    </div>
  );
}
