// An author's avatar: the picture, or their initial on a disc when they have none or it fails
// to load. Give it `key={url}` where the url changes, so a new picture gets a fresh try.
import { useState } from "preact/hooks";
import { initial } from "../profile-state.js";

export function Avatar({ url, name, id }) {
  const [broken, setBroken] = useState(false);
  if (url && !broken) {
    return <img id={id} class="avatar" src={url} alt="" decoding="async" onError={() => setBroken(true)} />;
  }
  return <span id={id} class="avatar initial" aria-hidden="true">{initial(name)}</span>;
}
