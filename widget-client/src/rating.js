// The satisfaction rating: when an agent resolves the conversation the hub sends
// `rating.request` (or `welcome.rating_pending`), and the panel asks "How was this
// conversation?" with five named buttons (1★ to 5★) and an optional comment, above the compose box.
// The hub's `conversation.rated` (to every tab) turns it into a thank-you.

const CSS = `
.rate{padding:10px 12px;border-top:1px solid #e3e6eb;display:flex;flex-direction:column;gap:6px;background:#fff}
.rate .q{font-weight:600}
.rate .sc{display:flex;gap:4px}
.rate .sc button{flex:1;border:1px solid #c9ced6;border-radius:8px;padding:4px 0;font-size:18px;line-height:1.2}
.rate .sc button[aria-pressed=true]{background:var(--c);color:var(--t);border-color:var(--c)}
.rate textarea{height:48px;flex:none}
.rate .rsend{align-self:flex-end;background:var(--c);color:var(--t);border-radius:8px;padding:8px 14px;font-weight:600}
.rate .rsend:disabled{opacity:.5;cursor:default}
`;
export const MAX_COMMENT = 1000;

/** The rating box inside `el` (a hidden <div> of the panel); `onRate(score, comment)`;
 * `away()` takes the focus when the box hides the control that had it. */
export function createRating(el, { onRate, away }) {
  el.innerHTML = `<style>${CSS}</style><p class="q" id="rq"></p><div class="sc" role="group" aria-labelledby="rq">${[1, 2, 3, 4, 5].map((n) => `<button type="button" data-score="${n}" aria-pressed="false">${n}★</button>`).join('')}</div><textarea maxlength="${MAX_COMMENT}" rows="2"></textarea><button class="rsend" type="button" disabled></button>`;
  const q = el.querySelector('.q');
  const buttons = [...el.querySelectorAll('[data-score]')];
  const comment = el.querySelector('textarea');
  const send = el.querySelector('.rsend');
  let score = 0;
  let t = null;
  let state = 'hidden'; // hidden | asking | thanks

  const pick = (n) => {
    score = n;
    for (const b of buttons) b.setAttribute('aria-pressed', String(+b.dataset.score === n));
    send.disabled = !n;
  };
  for (const b of buttons) b.onclick = () => pick(+b.dataset.score);
  send.onclick = () => {
    if (score) onRate(score, comment.value.trim().slice(0, MAX_COMMENT) || null);
  };

  function paint() {
    const had = el.contains(el.getRootNode().activeElement); // "Send rating", about to hide
    el.hidden = state === 'hidden';
    if (!t) return;
    const asking = state === 'asking';
    q.textContent = asking ? t.rateAsk : t.thanks;
    for (const b of buttons) {
      b.hidden = !asking;
      b.setAttribute('aria-label', t.scores[b.dataset.score - 1]);
      b.title = t.scores[b.dataset.score - 1];
    }
    el.querySelector('.sc').hidden = !asking;
    comment.hidden = send.hidden = !asking;
    comment.setAttribute('aria-label', t.comment);
    comment.placeholder = t.comment;
    send.textContent = t.rateSend;
    if (had && !asking) away();
  }

  return {
    configure(strings) {
      t = strings;
      paint();
    },
    /** Ask (again, for a new resolution): a fresh choice. */
    ask() {
      state = 'asking';
      pick(0);
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
    get state() {
      return state;
    },
  };
}
