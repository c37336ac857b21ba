// The satisfaction rating: when an agent resolves the conversation the hub sends
// `conversation.resolved` and `rating.request` (or `welcome.resolved` and
// `welcome.rating_pending` to a visitor who comes back), and the panel says "This conversation
// was resolved" and asks "How was this conversation?" with five named buttons (1★ to 5★): a
// click sends the rating at once, the star alone. The hub's `conversation.rated` (to every tab)
// then thanks the visitor and offers a comment box; its "Send comment" adds the comment to
// that same rating (`rating.comment`), and the hub's next `conversation.rated` ends with thanks.
// A visitor who left after the star finds the box again (`welcome.rating`, index.js).

const CSS = `
.rate{padding:10px 12px;border-top:1px solid #e3e6eb;display:flex;flex-direction:column;gap:6px;background:#fff}
.rate .q{font-weight:600}
.rate .rs{color:#4b5563;font-size:13px}
.rate .sc{display:flex;gap:4px}
.rate .sc button{flex:1;border:1px solid #c9ced6;border-radius:8px;padding:4px 0;font-size:18px;line-height:1.2}
.rate .sc button:hover,.rate .sc button:focus-visible{background:var(--c);color:var(--t);border-color:var(--c)}
.rate .cm{display:flex;gap:6px;align-items:flex-end}
.rate textarea{height:40px;flex:1}
.rate .cs{border:0;border-radius:8px;padding:6px 10px;background:var(--c);color:var(--t)}
`;
export const MAX_COMMENT = 1000;

/** The rating box inside `el` (a hidden <div> of the panel); `onRate(score)` and
 * `onComment(text)` send; `away()` takes the focus when the box hides the control that had it. */
export function createRating(el, { onRate, onComment, away }) {
  el.innerHTML = `<style>${CSS}</style><p class="rs"></p><p class="q" id="rq"></p><div class="sc" role="group" aria-labelledby="rq">${[1, 2, 3, 4, 5].map((n) => `<button type="button" data-score="${n}">${n}★</button>`).join('')}</div><div class="cm"><textarea maxlength="${MAX_COMMENT}" rows="1"></textarea><button type="button" class="cs"></button></div>`;
  const done = el.querySelector('.rs');
  const q = el.querySelector('.q');
  const buttons = [...el.querySelectorAll('[data-score]')];
  const box = el.querySelector('.cm');
  const comment = el.querySelector('textarea');
  const send = el.querySelector('.cs');
  let t = null;
  let state = 'hidden'; // hidden | asking | commenting (rated, a comment may follow) | thanks
  let resolved = false; // "This conversation was resolved" shows while true

  // A star sends at once, alone; a comment follows on the same rating.
  for (const b of buttons) b.onclick = () => onRate(+b.dataset.score);
  send.onclick = () => {
    const text = comment.value.trim().slice(0, MAX_COMMENT);
    if (text) onComment(text);
    else comment.focus();
  };

  function paint() {
    const had = el.contains(el.getRootNode().activeElement); // a control, about to hide
    el.hidden = state === 'hidden' && !resolved;
    if (!t) return;
    const asking = state === 'asking';
    done.hidden = !resolved;
    done.textContent = t.resolved;
    q.hidden = state === 'hidden';
    q.textContent = asking ? t.rateAsk : t.thanks;
    for (const b of buttons) {
      b.setAttribute('aria-label', t.scores[b.dataset.score - 1]);
      b.title = t.scores[b.dataset.score - 1];
    }
    el.querySelector('.sc').hidden = !asking;
    box.hidden = state !== 'commenting';
    comment.setAttribute('aria-label', t.comment);
    comment.placeholder = t.comment;
    send.textContent = t.commentSend;
    if (had && !asking && state !== 'commenting') away();
    else if (had && state === 'commenting' && !box.contains(el.getRootNode().activeElement)) comment.focus();
  }

  return {
    configure(strings) {
      t = strings;
      paint();
    },
    /** Ask (again, for a new resolution): a fresh comment box for later. */
    ask() {
      state = 'asking';
      comment.value = '';
      paint();
    },
    /** The hub stored the rating (`conversation.rated`): thanks, and the comment box while
     * that rating has no comment. */
    rated(rating) {
      state = rating && rating.comment == null ? 'commenting' : 'thanks';
      paint();
    },
    hide() {
      state = 'hidden';
      paint();
    },
    /** Whether the conversation is resolved (the notice above the question). */
    setResolved(on) {
      resolved = !!on;
      paint();
    },
    get state() {
      return state;
    },
  };
}
