// One attachment of a message: an upload (thumbnail for an image, else its name and size,
// fetched as a blob: URL with the session's header), a provider's media link, or a location.
import { useEffect, useRef, useState } from "preact/hooks";
import { loadAttachment, sizeText } from "../attachments.js";

function Upload({ a }) {
  const image = /^image\//.test(a.content_type);
  const [url, setUrl] = useState(null);
  const [failed, setFailed] = useState(false);
  const link = useRef(null);
  useEffect(() => {
    if (image) loadAttachment(a).then(setUrl, () => setFailed(true));
  }, [a.id]);
  const download = (e) => {
    if (url) return; // the blob is here: the browser downloads it
    e.preventDefault();
    loadAttachment(a).then((u) => { link.current.href = u; setUrl(u); link.current.click(); }, () => {});
  };
  const label = `Download ${a.name} (${sizeText(a.size)})`;
  if (image) {
    return (
      <a class="attachment upload" download={a.name} data-attachment-id={a.id} aria-label={label} href={url || undefined}>
        <img alt={failed ? `${a.name} (could not load)` : a.name} class="thumb" src={url || undefined} />
      </a>
    );
  }
  return (
    <a class="attachment upload" download={a.name} data-attachment-id={a.id} aria-label={label} href={url || "#"}
      ref={link} onClick={download}>{`${a.name} (${sizeText(a.size)})`}</a>
  );
}

export function Attachment({ a }) {
  if (a.id) return <Upload a={a} />;
  if (a.url && /^https?:/i.test(a.url)) {
    return <a href={a.url} target="_blank" rel="noopener noreferrer" class="attachment">{a.filename || a.content_type || "attachment"}</a>;
  }
  if (a.type === "location") return <span class="attachment">{`Location ${a.latitude}, ${a.longitude}`}</span>;
  return null;
}
