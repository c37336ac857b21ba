// An AI reply being written (ai.delta), until its message replaces it.
import { streamText } from "../inbox-state.js";

export function Stream({ replyId, stream }) {
  return (
    <div class="msg outbound from-ai streaming" data-reply-id={replyId} data-sender="ai" aria-busy="true">
      <span class="who">AI</span>
      <p class="text">{streamText(stream)}</p>
    </div>
  );
}
