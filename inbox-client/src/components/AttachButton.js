// "Attach a file" in the reply form: the file is uploaded, then sent as a message of its own.
// Only widget conversations take files; a private note carries none (the button is disabled).
import { useRef, useState } from "preact/hooks";
import { useInbox } from "../context.js";
import { ACCEPT, upload } from "../attachments.js";

export function AttachButton({ conv, blocked }) {
  const { actions } = useInbox();
  const input = useRef(null);
  const [busy, setBusy] = useState(null); // the file being uploaded
  const onChange = async () => {
    const file = input.current.files?.[0];
    input.current.value = "";
    const id = conv?.id;
    if (!file || !id) return;
    setBusy(file.name);
    try {
      const done = await upload(id, file);
      if (done.error) return actions.alert(done.error, done.code);
      const frame = { type: "message.send", conversation_id: id, client_id: actions.clientId(), text: "", attachments: [done.attachment.id] };
      if (!actions.send(frame)) actions.alert("Not connected: the file was uploaded but not sent.", "");
    } finally {
      setBusy(null);
    }
  };
  return (
    <div class="attach-row">
      <button type="button" id="attach" class="attach" aria-label="Attach a file" disabled={blocked || !!busy}
        hidden={!!conv && conv.channel !== "widget"} onClick={() => input.current.click()}>Attach</button>
      <input type="file" hidden id="attach-file" accept={ACCEPT} ref={input} onChange={onChange} />
      <span class="attach-note" id="attach-note" role="status">{busy ? `Uploading ${busy}…` : ""}</span>
    </div>
  );
}
