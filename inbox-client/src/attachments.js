// Attachments in the agent inbox: files in messages (image thumbnails, file links with name
// and size) and the reply form's attach button. The hub serves files only with the agent's
// token in a header (never in a URL), so they are fetched and shown from blob: URLs.
// Protocol: docs/protocol.md, "Attachments".
import { authHeaders } from "./auth.js";

const blobs = new Map(); // attachment id -> Promise of a blob: URL

export function sizeText(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function load(a, token) {
  if (!blobs.has(a.id)) {
    const p = fetch(a.url, { headers: authHeaders() })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((b) => URL.createObjectURL(b));
    p.catch(() => blobs.delete(a.id));
    blobs.set(a.id, p);
  }
  return blobs.get(a.id);
}

/** The element for one uploaded attachment (`a.id` set), or null for provider media. */
export function attachmentNode(a, token) {
  if (!a.id) return null;
  const link = document.createElement("a");
  link.className = "attachment upload";
  link.download = a.name;
  link.dataset.attachmentId = a.id;
  link.setAttribute("aria-label", `Download ${a.name} (${sizeText(a.size)})`);
  if (/^image\//.test(a.content_type)) {
    const img = document.createElement("img");
    img.alt = a.name;
    img.className = "thumb";
    link.append(img);
    load(a, token).then((u) => { img.src = u; link.href = u; }, () => { img.alt = `${a.name} (could not load)`; });
    return link;
  }
  link.textContent = `${a.name} (${sizeText(a.size)})`;
  link.href = "#";
  link.addEventListener("click", (e) => {
    if (link.href.startsWith("blob:")) return;
    e.preventDefault();
    load(a, token).then((u) => { link.href = u; link.click(); }, () => {});
  });
  return link;
}

const ERRORS = {
  too_large: "That file is too big to send.",
  unsupported_type: "That kind of file cannot be sent: images, PDF, Word, Excel and text files only.",
  not_supported: "Files can be sent in widget conversations only.",
};

/**
 * Add "Attach a file" to the reply form. `ctx`: { token(), conversation(), send(frame),
 * clientId(), alert(text, code), blocked() }. The file is uploaded, then sent as a message of
 * its own; while `blocked()` (writing a private note) the button stays disabled.
 */
export function setupAttach(form, ctx) {
  const input = Object.assign(document.createElement("input"), { type: "file", hidden: true, id: "attach-file" });
  input.accept = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.docx,.xlsx";
  const button = Object.assign(document.createElement("button"), { type: "button", id: "attach", className: "attach", textContent: "Attach" });
  button.setAttribute("aria-label", "Attach a file");
  const note = Object.assign(document.createElement("span"), { className: "attach-note", id: "attach-note" });
  note.setAttribute("role", "status");
  const row = Object.assign(document.createElement("div"), { className: "attach-row" });
  row.append(button, input, note);
  form.append(row);
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    input.value = "";
    const conversation = ctx.conversation();
    if (!file || !conversation) return;
    button.disabled = true;
    note.textContent = `Uploading ${file.name}…`;
    try {
      const url = `/api/conversations/${encodeURIComponent(conversation)}/attachments?name=${encodeURIComponent(file.name)}`;
      const res = await fetch(url, { method: "POST", headers: authHeaders(), body: file });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) return ctx.alert(ERRORS[body.error?.code] || body.error?.message || `HTTP ${res.status}`, body.error?.code || "");
      const frame = { type: "message.send", conversation_id: conversation, client_id: ctx.clientId(), text: "", attachments: [body.attachment.id] };
      if (!ctx.send(frame)) ctx.alert("Not connected: the file was uploaded but not sent.", "");
    } finally {
      button.disabled = !!ctx.blocked?.();
      note.textContent = "";
    }
  });
}
