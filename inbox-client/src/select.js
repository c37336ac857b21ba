// A <select> that acts when the agent has chosen, not while they look. In Chromium (Linux,
// Windows) the arrow keys on a closed select change its value and fire `change` at every
// step, so a keyboard user arrowing through "Snooze…" snoozed the conversation at the first
// step, and one arrowing through "Assignee" assigned it. A value reached by keys on the closed
// select (those two, and "Your presence") now waits for Enter; Escape or leaving the select puts back the value it had. The
// mouse, and the open list (Alt+Down, Space), act at once as before.

/** Call `act(value)` once the user has chosen a value of `select`. */
export function onChosen(select, act) {
  let stepping = false; // the value was moved by keys on the closed select
  let before = select.value;
  const commit = () => { stepping = false; act(select.value); before = select.value; };
  const revert = () => { stepping = false; select.value = before; };
  select.addEventListener("focus", () => { before = select.value; });
  select.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && stepping) { e.preventDefault(); commit(); return; }
    if (e.key === "Escape" && stepping) { e.preventDefault(); revert(); return; }
    const steps = /^(Arrow|Page|Home$|End$)/.test(e.key) || (e.key.length === 1 && e.key !== " ");
    if (steps && !e.altKey) stepping = true;
  });
  select.addEventListener("change", () => { if (!stepping) commit(); });
  select.addEventListener("blur", () => { if (stepping) revert(); });
}
