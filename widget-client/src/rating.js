// The satisfaction rating: when an agent resolves the conversation the hub sends
// `conversation.resolved` and `rating.request` (or `welcome.resolved` and
// `welcome.rating_pending` to a visitor who comes back), and the panel says "This conversation
// was resolved", asks "How was this conversation?" with an optional comment and five named
// buttons (1★ to 5★): a click sends the rating at once, with the comment typed so far.
// The hub's `conversation.rated` (to every tab) turns it into a thank-you.

const CSS = `
.rate{padding:10px 12px;border-top:1px solid #e3e6eb;display:flex;flex-direction:column;gap:6px;background:#fff}
.rate .q{font-weight:600}
.rate .rs{color:#4b5563;font-size:13px}
.rate .sc{display:flex;gap:4px}
.rate .sc button{flex:1;border:1px solid #c9ced6;border-radius:8px;padding:4px 0;font-size:18px;line-height:1.2}
.rate .sc button:hover,.rate .sc button:focus-visible{background:var(--c);color:var(--t);border-color:var(--c)}
.rate textarea{height:40px;flex:none}
`;
export const MAX_COMMENT = 1000;

/** The rating box inside `el` (a hidden <div> of the panel); `onRate(score, comment)`;
 * `away()` takes the focus when the box hides the control that had it. */
export function createRating(el, { onRate, away }) {
  el.innerHTML = `<style>${CSS}</style><p class="rs"></p><p class="q" id="rq"></p><textarea maxlength="${MAX_COMMENT}" rows="1"></textarea><div class="sc" role="group" aria-labelledby="rq">${[1, 2, 3, 4, 5].map((n) => `<button type="button" data-score="${n}">${n}★</button>`).join('')}</div>`;
  const done = el.querySelector('.rs');
  const q = el.querySelector('.q');
  const buttons = [...el.querySelectorAll('[data-score]')];
  const comment = el.querySelector('textarea');
  let t = null;
  let state = 'hidden'; // hidden | asking | thanks
  let resolved = false; // "This conversation was resolved" shows while true

  // A star sends at once; the comment typed before it goes with it.
  for (const b of buttons) b.onclick = () => onRate(+b.dataset.score, comment.value.trim().slice(0, MAX_COMMENT) || null);

  function paint() {
    const had = el.contains(el.getRootNode().activeElement); // a star, about to hide
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
    el.querySelector('.sc').hidden = comment.hidden = !asking;
    comment.setAttribute('aria-label', t.comment);
    comment.placeholder = t.comment;
    if (had && !asking) away();
  }

  return {
    configure(strings) {
      t = strings;
      paint();
    },
    /** Ask (again, for a new resolution): a fresh comment. */
    ask() {
      state = 'asking';
      comment.value = '';
      paint();
    },
    thanks() {
      state = 'thanks';
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
