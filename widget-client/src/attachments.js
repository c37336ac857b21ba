// Attachments in the widget: uploads over HTTP (the file as the body, docs/protocol.md
// "Attachments"), then files shown in messages. The hub serves a file only to the visitor's
// session (Authorization: Bearer SESSION_ID, never in a URL), and a signed-in user's session
// only with the user's id and hash as well (X-Widget-User-Id, percent-encoded, and
// X-Widget-User-Hash), so files are fetched and shown from blob: URLs; images as
// thumbnails, other files as links that download on click.

export const MAX_BYTES = 10 * 1024 * 1024; // the hub's default; it checks for itself
export const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.docx,.xlsx';

// `user`: the page's signed-in user ({id, hash}), as the hello sends it; null when anonymous.
export function createFiles(base, key, session, user) {
  const blobs = new Map(); // attachment id -> Promise of a blob: URL
  const auth = () => {
    const h = { Authorization: 'Bearer ' + session() };
    if (user) Object.assign(h, { 'X-Widget-User-Id': encodeURIComponent(user.id || ''), 'X-Widget-User-Hash': user.hash || '' });
    return h;
  };
  const q = (extra) => '?key=' + encodeURIComponent(key) + (extra || '');

  // The stored attachment's view, or an Error whose `code` is the hub's (too_large, ...).
  async function upload(file) {
    if (file.size > MAX_BYTES) throw Object.assign(new Error('too big'), { code: 'too_large' });
    let res;
    try {
      res = await fetch(base + '/api/widget/attachments' + q('&name=' + encodeURIComponent(file.name)), {
        method: 'POST',
        headers: auth(),
        body: file,
      });
    } catch {
      throw Object.assign(new Error('network'), { code: 'network' });
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error('refused'), { code: (body.error && body.error.code) || 'failed' });
    return body.attachment;
  }

  function load(a) {
    if (!blobs.has(a.id)) {
      const p = fetch(base + a.url + q(), { headers: auth() })
        .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(r.status))))
        .then((b) => URL.createObjectURL(b));
      p.catch(() => blobs.delete(a.id)); // let a later render try again
      blobs.set(a.id, p);
    }
    return blobs.get(a.id);
  }

  // Fill `box` with one element per attachment (kept when the list is unchanged).
  function render(box, list, t) {
    const sig = list.map((a) => a.id || a.url).join();
    if (box.dataset.sig === sig) return;
    box.dataset.sig = sig;
    box.textContent = '';
    for (const a of list) box.appendChild(a.id ? item(a, t) : remote(a, t));
  }

  function item(a, t) {
    const link = document.createElement('a');
    link.className = 'file';
    link.download = a.name;
    link.setAttribute('data-attachment-id', a.id);
    if (/^image\//.test(a.content_type)) {
      const img = document.createElement('img');
      img.alt = a.name;
      link.appendChild(img);
      load(a).then((u) => {
        img.src = u;
        link.href = u;
      }, () => {});
    } else {
      link.textContent = a.name + ' (' + size(a.size) + ')';
      link.href = '#';
      link.onclick = (ev) => {
        if (link.href.startsWith('blob:')) return;
        ev.preventDefault();
        load(a).then((u) => {
          link.href = u;
          link.click();
        }, () => {});
      };
    }
    link.setAttribute('aria-label', t.download + ' ' + a.name);
    return link;
  }

  // Provider media (SMS/WhatsApp) are the provider's URLs: a plain link.
  function remote(a, t) {
    const link = document.createElement('a');
    link.className = 'file';
    link.href = a.url || '#';
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.textContent = a.filename || t.file;
    return link;
  }

  return { upload, render };
}

export function size(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return Math.round(n / 1024) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}
