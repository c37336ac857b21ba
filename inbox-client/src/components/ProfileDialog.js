// "Your profile"'s form, inside its modal dialog (profile.js opens and closes the dialog): the
// picture (upload, remove), the display name, and a status line for what happened.
import { useRef } from "preact/hooks";
import { useStore } from "../use-store.js";
import { TYPES } from "../profile-state.js";
import { Avatar } from "./Avatar.js";

/** `store`: {me, name, shown, status}; `actions`: {setName, saveName, upload, remove, close}. */
export function ProfileDialog({ store, actions }) {
  const { me, name, shown, status } = useStore(store);
  const file = useRef(null);
  const picked = (e) => {
    const chosen = e.currentTarget.files?.[0];
    e.currentTarget.value = ""; // the same file again is a new choice
    if (chosen) actions.upload(chosen);
  };
  const submit = (e) => { e.preventDefault(); actions.saveName(); };
  return (
    <form id="profile-form" method="dialog" onSubmit={submit}>
      <h2 id="profile-title">Your profile</h2>
      <p class="hint">Your teammates and the visitors you answer see this name and picture.</p>
      <div class="profile-avatar">
        <div id="profile-preview" class="preview">
          <Avatar key={shown || ""} id="profile-avatar" url={shown} name={me?.name || me?.email} />
        </div>
        <div class="buttons">
          <button type="button" id="profile-pick" onClick={() => file.current.click()}>Upload a picture…</button>
          <button type="button" id="profile-remove" hidden={!shown} onClick={actions.remove}>Remove picture</button>
          <label for="profile-file" class="sr-only">Picture</label>
          <input id="profile-file" type="file" accept={TYPES.join(",")} class="sr-only" ref={file} onChange={picked} />
        </div>
      </div>
      <label for="profile-name">Display name</label>
      <input id="profile-name" name="name" required maxLength={200} autocomplete="name" value={name}
        onInput={(e) => actions.setName(e.currentTarget.value)} />
      <p id="profile-status" class="status" role="status" data-kind={status.kind}>{status.text}</p>
      <div class="row">
        <button type="submit" id="profile-save">Save name</button>
        <button type="button" id="profile-close" onClick={actions.close}>Close</button>
      </div>
    </form>
  );
}
