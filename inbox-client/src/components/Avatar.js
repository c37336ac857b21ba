// An author's avatar: the picture, or their initial on a disc when they have none (or it
// fails to load).
import { useState } from "preact/hooks";

export function Avatar({ url, name }) {
  const [broken, setBroken] = useState(null); // the url that failed
  if (url && broken !== url) {
    return <img class="avatar" src={url} alt="" decoding="async" onError={() => setBroken(url)} />;
  }
  const initial = [...(name || "?").trim()][0]?.toUpperCase() || "?";
  return <span class="avatar initial" aria-hidden="true">{initial}</span>;
}
