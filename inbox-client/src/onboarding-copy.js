// A value to paste somewhere else (the embed snippet, a webhook address) with its Copy button.
import { el } from "./settings.js";

let uid = 0;

/** {node, set(value)}: the value in a read-only box and a button that copies it. */
export function copyBox(label, { multiline = false } = {}) {
  const id = `ob-copy-${++uid}`;
  const box = multiline
    ? el("textarea", { id, readOnly: true, rows: 2, className: "ob-value", spellcheck: false })
    : el("input", { id, readOnly: true, className: "ob-value", spellcheck: false });
  const button = el("button", { type: "button", textContent: "Copy" });
  button.setAttribute("aria-label", `Copy ${label.toLowerCase()}`);
  const done = el("span", { className: "ob-copied", role: "status" });
  button.addEventListener("click", async () => {
    done.textContent = (await copy(box)) ? "Copied." : "Select it and copy (Ctrl+C).";
  });
  box.addEventListener("focus", () => box.select());
  const node = el("div", { className: "ob-copy" }, el("label", { htmlFor: id, textContent: label }),
    el("div", { className: "ob-copy-row" }, box, button, done));
  return { node, set(value) { if (box.value !== value) { box.value = value; done.textContent = ""; } } };
}

async function copy(box) {
  try {
    await navigator.clipboard.writeText(box.value);
    return true;
  } catch {
    box.focus();
    box.select(); // no clipboard permission: the owner copies the selection
    return false;
  }
}
