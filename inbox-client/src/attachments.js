// Attachments in the agent inbox (docs/protocol.md, "Attachments"): the hub serves files only
// with the agent's session in a header (never in a URL), so they are fetched and shown from
// blob: URLs; and the upload behind the reply form's attach button. Drawn by
// components/Attachment.js and components/AttachButton.js.
import { authHeaders } from "./auth.js";

const blobs = new Map(); // attachment id -> Promise of a blob: URL

/** "512 B", "3 KB", "1.4 MB". */
export function sizeText(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A blob: URL for uploaded attachment `a`, fetched once (again after a failure). */
export function loadAttachment(a) {
  if (!blobs.has(a.id)) {
    const p = fetch(a.url, { headers: authHeaders() })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((b) => URL.createObjectURL(b));
    p.catch(() => blobs.delete(a.id));
    blobs.set(a.id, p);
  }
  return blobs.get(a.id);
}

const ERRORS = {
  too_large: "That file is too big to send.",
  unsupported_type: "That kind of file cannot be sent: images, PDF, Word, Excel and text files only.",
  not_supported: "Files can be sent in widget conversations only.",
};

/** The file types the attach button offers. */
export const ACCEPT = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.docx,.xlsx";

/** Upload `file` to conversation `id`: {attachment} or {error, code}. */
export async function upload(id, file) {
  const url = `/api/conversations/${encodeURIComponent(id)}/attachments?name=${encodeURIComponent(file.name)}`;
  const res = await fetch(url, { method: "POST", headers: authHeaders(), body: file });
  const body = await res.json().catch(() => ({}));
  if (res.ok) return { attachment: body.attachment };
  const code = body.error?.code || "";
  return { error: ERRORS[code] || body.error?.message || `HTTP ${res.status}`, code };
}
