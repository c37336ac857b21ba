// An author's avatar: the picture, or their initial on a disc when they have none or it fails
// to load (a new url gets a fresh try).
import { useState } from "preact/hooks";
import { initial } from "../profile-state.js";

export function Avatar({ url, name, id }) {
  const [broken, setBroken] = useState(null); // the url that failed
  if (url && broken !== url) {
    return <img id={id} class="avatar" src={url} alt="" decoding="async" onError={() => setBroken(url)} />;
  }
  return <span id={id} class="avatar initial" aria-hidden="true">{initial(name)}</span>;
}
