// The hand-built DOM helpers the settings view used before its Preact components: el(),
// field() and form(). Only onboarding*.js still imports them (through settings.js's
// re-export), until it moves onto components too; the settings view itself does not.
import { explain } from "./http.js";

let uid = 0;

export const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};

/** A labelled control: {wrap, input}. `kind`: an input type, "textarea", "select", "checkbox". */
export function field(label, kind = "text", { hint, ...attrs } = {}, options = []) {
  const id = `set-${++uid}`;
  let input;
  if (kind === "textarea") input = el("textarea", { id, rows: 3, ...attrs });
  else if (kind === "select") {
    input = el("select", { id, ...attrs }, ...options.map(([value, text]) => el("option", { value, textContent: text })));
  } else input = el("input", { id, type: kind, ...attrs });
  const lab = el("label", { htmlFor: id, textContent: label });
  const wrap = el("div", { className: kind === "checkbox" ? "set-field set-check" : "set-field" });
  if (kind === "checkbox") wrap.append(input, lab); else wrap.append(lab, input);
  if (hint) {
    const note = el("p", { className: "set-hint", id: `${id}-hint`, textContent: hint });
    input.setAttribute("aria-describedby", note.id);
    wrap.append(note);
  }
  return { wrap, input };
}

/** A form whose submit runs `save()` (returning an API result) with Save disabled meanwhile,
 * then says what happened in its status line. */
export function form(name, children, save, { submit = "Save", done = "Saved." } = {}) {
  const status = el("p", { className: "set-status", role: "status" });
  const button = el("button", { type: "submit", textContent: submit, className: "set-primary" });
  const node = el("form", { className: "set-form" }, ...children, el("div", { className: "set-actions" }, button, status));
  node.setAttribute("aria-label", name);
  // An edit after a save makes the last "Saved." stale.
  node.addEventListener("input", () => { if (!button.disabled) { status.textContent = ""; delete status.dataset.kind; } });
  node.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    status.dataset.kind = "busy";
    status.textContent = "Saving…";
    try {
      const result = await save();
      status.dataset.kind = result.ok ? "ok" : "error";
      status.textContent = result.ok ? (typeof done === "function" ? done(result) : done) : explain(result);
    } finally {
      button.disabled = false;
    }
  });
  return { node, status, button };
}
