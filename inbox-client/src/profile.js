// "Your profile": every agent's own display name and avatar (docs/protocol.md, Profiles), in a
// modal dialog opened from the header. Also the avatar every author is drawn with. ES module,
// no framework, no inline script or style.

import { authHeaders } from "./auth.js";

const TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];
const MAX_BYTES = 1024 * 1024; // the hub's limit; it checks for itself
const ERRORS = {
  unsupported_type: "That is not a PNG, JPEG, WebP or GIF image.",
  too_large: "That image is over 1 MB.",
  bad_request: "Enter a name (at most 200 characters, one line).",
};

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
};

/** An author's avatar: the image, or their initial on a disc when they have none. */
export function avatarNode(url, name) {
  const label = (name || "?").trim();
  if (url) {
    const img = el("img", { className: "avatar", src: url, alt: "", decoding: "async" });
    img.addEventListener("error", () => img.replaceWith(avatarNode(null, name)), { once: true });
    return img;
  }
  const initial = el("span", { className: "avatar initial", textContent: [...label][0]?.toUpperCase() || "?" });
  initial.setAttribute("aria-hidden", "true");
  return initial;
}

const ctx = { token: () => null, me: null, onChange: () => {}, dialog: null, preview: null };

/** Wire the header's "Your profile" button for the signed-in agent (`me`: GET /api/agents/me).
 *  `onChange(view)` hears every saved change (the inbox redraws its team and messages). */
export function mountProfile({ token, me, onChange }) {
  Object.assign(ctx, { token, me, onChange });
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
  if (!ctx.me || agent.id !== ctx.me.id) return;
  ctx.me = { ...ctx.me, ...agent };
  if (ctx.dialog && !ctx.dialog.open) fill();
}

function open() {
  if (!ctx.dialog) build();
  fill();
  say("");
  ctx.dialog.showModal();
  ctx.dialog.querySelector("#profile-name").focus();
}

function build() {
  const name = el("input", { id: "profile-name", name: "name", required: true, maxLength: 200, autocomplete: "name" });
  const file = el("input", { id: "profile-file", type: "file", accept: TYPES.join(","), className: "sr-only" });
  const pick = el("button", { type: "button", id: "profile-pick", textContent: "Upload a picture…" });
  const remove = el("button", { type: "button", id: "profile-remove", textContent: "Remove picture" });
  const form = el("form", { id: "profile-form", method: "dialog" },
    el("h2", { id: "profile-title", textContent: "Your profile" }),
    el("p", { className: "hint", textContent: "Your teammates and the visitors you answer see this name and picture." }),
    el("div", { className: "profile-avatar" }, el("div", { id: "profile-preview", className: "preview" }),
      el("div", { className: "buttons" }, pick, remove, el("label", { htmlFor: "profile-file", className: "sr-only", textContent: "Picture" }), file)),
    el("label", { htmlFor: "profile-name", textContent: "Display name" }), name,
    el("p", { id: "profile-status", className: "status", role: "status" }),
    el("div", { className: "row" },
      el("button", { type: "submit", id: "profile-save", textContent: "Save name" }),
      el("button", { type: "button", id: "profile-close", textContent: "Close" })));
  const dialog = el("dialog", { id: "profile", className: "profile" }, form);
  dialog.setAttribute("aria-labelledby", "profile-title");
  document.body.append(dialog);
  ctx.dialog = dialog;
  ctx.preview = dialog.querySelector("#profile-preview");
  form.addEventListener("submit", (e) => { e.preventDefault(); saveName(name.value); });
  dialog.querySelector("#profile-close").addEventListener("click", () => dialog.close());
  pick.addEventListener("click", () => file.click());
  file.addEventListener("change", () => { const f = file.files?.[0]; file.value = ""; if (f) upload(f); });
  remove.addEventListener("click", removeAvatar);
}

function fill() {
  const me = ctx.me || {};
  ctx.dialog.querySelector("#profile-name").value = me.name || "";
  showAvatar(me.avatar_url);
}

function showAvatar(url) {
  const node = avatarNode(url, ctx.me?.name || ctx.me?.email);
  node.id = "profile-avatar";
  ctx.preview.replaceChildren(node);
  ctx.dialog.querySelector("#profile-remove").hidden = !url;
}

function say(text, kind = "ok") {
  const status = ctx.dialog.querySelector("#profile-status");
  status.textContent = text;
  status.dataset.kind = kind;
}

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
  ctx.me = { ...ctx.me, ...view };
  fill();
  say(text);
  ctx.onChange(view);
}

async function saveName(raw) {
  const name = raw.trim();
  if (!name) return say(ERRORS.bad_request, "error");
  const answer = await call("PATCH", "/api/agents/me", JSON.stringify({ name }), "application/json");
  if (!answer.view) return say(ERRORS[answer.code] || answer.message, "error");
  saved(answer.view, "Name saved.");
}

async function upload(file) {
  if (!TYPES.includes(file.type)) return say(ERRORS.unsupported_type, "error");
  if (file.size > MAX_BYTES) return say(ERRORS.too_large, "error");
  const local = URL.createObjectURL(file); // the preview, at once, while it uploads
  showAvatar(local);
  say("Uploading…");
  const answer = await call("PUT", "/api/agents/me/avatar", file, file.type);
  URL.revokeObjectURL(local);
  if (!answer.view) { fill(); return say(ERRORS[answer.code] || answer.message, "error"); }
  saved(answer.view, "Picture saved.");
}

async function removeAvatar() {
  const answer = await call("DELETE", "/api/agents/me/avatar");
  if (!answer.view) return say(answer.message, "error");
  saved(answer.view, "Picture removed.");
}
