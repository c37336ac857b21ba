// "Your profile": every agent's own display name and avatar (docs/protocol.md, Profiles), in a
// modal dialog opened from the header (components/ProfileDialog.js).
import { render } from "preact";
import { authHeaders } from "./auth.js";
import { createStore } from "./store.js";
import { checkName, errorText, fileProblem, initial } from "./profile-state.js";
import { ProfileDialog } from "./components/ProfileDialog.js";

// `shown`: the avatar drawn in the dialog (the saved one, or a chosen file's blob: preview).
const store = createStore({ me: null, name: "", shown: null, status: { text: "", kind: "ok" } });
const ctx = { onChange: () => {}, dialog: null };

/** Wire the header's "Your profile" button for the signed-in agent (`me`: GET /api/agents/me).
 *  `onChange(view)` hears every saved change (the inbox redraws its team and messages). */
export function mountProfile({ me, onChange }) {
  ctx.onChange = onChange;
  store.set({ me });
  const button = document.getElementById("profile-open");
  if (!button) return;
  button.hidden = !me;
  if (!button.dataset.wired) {
    button.dataset.wired = "1";
    button.addEventListener("click", open);
  }
  if (ctx.dialog) fill();
}

/** The agent's own profile changed elsewhere (agent.updated from another tab or device). */
export function profileUpdated(agent) {
  const { me } = store.get();
  if (!me || agent.id !== me.id) return;
  store.set({ me: { ...me, ...agent } });
  if (ctx.dialog && !ctx.dialog.open) fill();
}

function open() {
  if (!ctx.dialog) build();
  fill();
  say("");
  ctx.dialog.showModal();
  document.getElementById("profile-name").focus();
}

/** The dialog element itself (showModal, Escape, the backdrop), the form drawn inside it. */
function build() {
  const dialog = Object.assign(document.createElement("dialog"), { id: "profile", className: "profile" });
  dialog.setAttribute("aria-labelledby", "profile-title");
  document.body.append(dialog);
  ctx.dialog = dialog;
  const actions = { setName: (name) => store.set({ name }), saveName, upload, remove, close: () => dialog.close() };
  render(<ProfileDialog store={store} actions={actions} />, dialog); // synchronous: #profile-name exists now
}

/** The dialog shows the saved profile (what the agent typed or chose is dropped). */
function fill() {
  const me = store.get().me || {};
  store.set({ name: me.name || "", shown: me.avatar_url || null });
}

const say = (text, kind = "ok") => store.set({ status: { text, kind } });

async function call(method, path, body, type) {
  const headers = authHeaders(); // the session's CSRF token (the cookie signs the request in)
  if (type) headers["Content-Type"] = type;
  try {
    const res = await fetch(path, { method, headers, body });
    const parsed = await res.json().catch(() => ({}));
    return res.ok ? { view: parsed } : { code: parsed.error?.code, message: parsed.error?.message || `HTTP ${res.status}` };
  } catch (err) {
    return { message: `Could not reach the hub: ${err.message}` };
  }
}

function saved(view, text) {
  store.set({ me: { ...store.get().me, ...view } });
  fill();
  say(text);
  ctx.onChange(view);
}

async function saveName() {
  const checked = checkName(store.get().name);
  if (checked.error) return say(checked.error, "error");
  const answer = await call("PATCH", "/api/agents/me", JSON.stringify({ name: checked.name }), "application/json");
  if (!answer.view) return say(errorText(answer), "error");
  saved(answer.view, "Name saved.");
}

async function upload(file) {
  const problem = fileProblem(file);
  if (problem) return say(problem, "error");
  const local = URL.createObjectURL(file); // the preview, at once, while it uploads
  store.set({ shown: local });
  say("Uploading…");
  const answer = await call("PUT", "/api/agents/me/avatar", file, file.type);
  URL.revokeObjectURL(local);
  if (!answer.view) { fill(); return say(errorText(answer), "error"); }
  saved(answer.view, "Picture saved.");
}

async function remove() {
  const answer = await call("DELETE", "/api/agents/me/avatar");
  if (!answer.view) return say(answer.message, "error");
  saved(answer.view, "Picture removed.");
}
