// The widget's DOM: a host <div id="leadop-widget-host"> on document.body, styled inline with
// !important so page CSS cannot hide or move it, and everything else inside its open shadow root.
// Every text and accessible name comes from i18n.js in the company's language (`configure`).
import { strings } from './i18n.js';
import { createRating } from './rating.js';
import { ACCEPT } from './attachments.js';

const CSS = `
:host{all:initial}
*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0}
[hidden]{display:none!important}
button{cursor:pointer;border:0;background:none;color:inherit}
button:focus-visible,textarea:focus-visible,input:focus-visible{outline:2px solid #f5a623;outline-offset:2px}
.launch,.panel{position:fixed;right:20px}
:host([data-pos=left]) .launch,:host([data-pos=left]) .panel{left:20px;right:auto}
.launch{bottom:20px;width:56px;height:56px;border-radius:50%;background:var(--c);color:var(--t);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}
.launch svg{width:26px;height:26px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#d93025;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;box-shadow:0 0 0 2px #fff}
.panel{bottom:88px;width:370px;height:min(560px,calc(100vh - 110px));background:#fff;color:#1d2433;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}
.head{background:var(--c);color:var(--t);padding:10px 12px;display:flex;align-items:flex-start;gap:8px}
.hd{flex:1;min-width:0}
.title{font-weight:600;font-size:16px}
.greet{font-size:13px;opacity:.92}
.status{display:block;font-size:12px;opacity:.85;margin-top:2px}
.status[data-state=offline],.status[data-state=refused]{font-weight:600;opacity:1}
.x{font-size:22px;line-height:1;width:32px;height:32px;border-radius:6px;flex:none}
.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f7f9}
.m{max-width:82%;align-self:flex-start;display:flex;flex-direction:column;gap:2px}
.m[data-sender=visitor]{align-self:flex-end;align-items:flex-end}
.meta{font-size:12px;color:#4a5568;display:flex;gap:6px;align-items:center}
.who{font-weight:600}
.av{width:22px;height:22px;border-radius:50%;object-fit:cover;flex:none}
.who[data-ai]{background:#ece6fb;color:#4b2a9b;border-radius:4px;padding:0 5px}
.tx{padding:8px 11px;border-radius:12px;background:#fff;border:1px solid #e3e6eb;white-space:pre-wrap;overflow-wrap:anywhere}
.m[data-sender=visitor] .tx{background:var(--c);color:var(--t);border-color:var(--c)}
.m[data-sender=ai] .tx{border-color:#c9b8f2}
.m[data-pending=true] .tx{opacity:.6}
.m[data-streaming=true] .tx::after{content:"\\2026"}
.typing{padding:2px 14px 6px;font-size:12px;color:#4a5568;background:#f6f7f9}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e6eb}
.pre,.ask{flex-direction:column;border:0;padding:14px}
.pre label,.ask label{display:flex;flex-direction:column;gap:3px;font-weight:600;font-size:13px}
.pre input,.ask input{font-weight:400;border:1px solid #c9ced6;border-radius:8px;padding:8px;color:#1d2433;background:#fff}
textarea{flex:1;resize:none;border:1px solid #c9ced6;border-radius:8px;padding:8px;height:40px;max-height:120px;color:#1d2433;background:#fff}
.send{background:var(--c);color:var(--t);border-radius:8px;padding:8px 14px;font-weight:600}
.att{width:36px;flex:none;border-radius:8px;color:#4a5568;display:flex;align-items:center;justify-content:center}
.att svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2}
.at{display:flex;flex-direction:column;gap:4px;align-items:inherit}
.at:empty{display:none}
.file{color:#1d4e89;text-decoration:underline;overflow-wrap:anywhere}
.file img{display:block;max-width:200px;max-height:160px;border-radius:8px;border:1px solid #e3e6eb;background:#fff}
.fe{padding:4px 12px;font-size:12px;color:#b3261e;background:#fff}
.fe[data-kind=busy]{color:#4a5568}
.ask{background:#fff8e6;border-top:1px solid #e3e6eb;gap:6px}
.note{padding:8px 12px;font-size:13px;background:#eef7ee;color:#1e5b2b}
@media (max-width:480px){.panel,:host([data-pos=left]) .panel{inset:0;width:100%;height:100%;border-radius:0}.launch[aria-expanded=true]{display:none}}
`;

const HTML = `<style>${CSS}</style>
<button class="launch" type="button" aria-expanded="false" aria-controls="p"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg><span class="badge" aria-hidden="true" hidden></span></button>
<div class="panel" id="p" role="dialog" hidden>
<div class="head"><div class="hd"><div class="title"></div><div class="greet"></div><span class="status" role="status" data-state="connecting"></span></div><button class="x" type="button">×</button></div>
<div class="log" role="log" aria-live="polite"></div>
<div class="typing" data-typing="" hidden></div>
<div class="rate" hidden></div>
<form class="ask" hidden><p class="am"></p><label><span class="le"></span><input name="email" type="email" autocomplete="email" maxlength="320" pattern="[^@\\s]+@[^@\\s]+\\.[^@\\s]+" required></label><button class="send" type="submit"></button></form>
<p class="note" role="status" hidden></p>
<form class="pre" hidden><p class="intro"></p><label><span class="ln"></span><input name="name" autocomplete="name" maxlength="200" required></label><label><span class="le"></span><input name="email" type="email" autocomplete="email" maxlength="320" pattern="[^@\\s]+@[^@\\s]+\\.[^@\\s]+" required></label><button class="send" type="submit"></button></form>
<div class="fe" role="status" hidden></div>
<form class="compose"><button class="att" type="button"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7"/></svg></button><input type="file" hidden accept="${ACCEPT}"><textarea maxlength="4000" rows="1"></textarea><button class="send" type="submit"></button></form>
</div>`;

const HOST_STYLE = {
  all: 'initial',
  display: 'block',
  position: 'fixed',
  right: '0',
  bottom: '0',
  width: '0',
  height: '0',
  overflow: 'visible',
  'z-index': '2147483647',
  visibility: 'visible',
  opacity: '1',
  transform: 'none',
  filter: 'none',
  contain: 'none',
  'pointer-events': 'auto',
};

export function createUI({ hub, onOpen, onSend, onInput, onProfile, onEmail, onRate, onComment, onFile, files }) {
  const host = document.createElement('div');
  host.id = 'leadop-widget-host';
  for (const k in HOST_STYLE) host.style.setProperty(k, HOST_STYLE[k], 'important');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = HTML;
  document.body.appendChild(host);

  const $ = (s) => root.querySelector(s);
  const launch = $('.launch');
  const badge = $('.badge');
  const panel = $('.panel');
  const log = $('.log');
  const status = $('.status');
  const typingEl = $('.typing');
  const pre = $('.pre');
  const ask = $('.ask');
  const note = $('.note');
  const compose = $('.compose');
  const input = $('.compose textarea');
  const rating = createRating($('.rate'), { onRate, onComment, away: () => input.focus() });
  const attach = $('.att');
  const picker = $('input[type=file]');
  const fileNote = $('.fe');
  const els = new Map();
  let isOpen = false;
  let typingTimer = 0;
  let t = strings('en');
  let lang = 'en';
  let unread = 0;
  let state = 'connecting';
  let entries = [];
  let avail = null; // welcome.availability: the team online or away
  let askState = null; // the email ask: null, 'ask', or the address given
  let awayText = '';

  const label = (el, text) => el.setAttribute('aria-label', text);

  // At the end while there: what grows after the scroll (an image drawn once loaded) or
  // shrinks the log (the rating box) scrolls it again; a reader who scrolled up stays put.
  let pinned = true;
  let top = 0;
  const pin = () => {
    if (pinned) log.scrollTop = log.scrollHeight;
  };
  // Only a move up lets go (a scroll event may come after an image grew the log below).
  log.addEventListener('scroll', () => {
    if (log.scrollHeight - log.scrollTop - log.clientHeight < 60) pinned = true;
    else if (log.scrollTop < top) pinned = false;
    top = log.scrollTop;
  });
  log.addEventListener('load', pin, true);
  const sizes = window.ResizeObserver ? new ResizeObserver(pin) : null;
  if (sizes) sizes.observe(log);

  function labelLauncher() {
    const name = isOpen ? t.hide : t.open;
    label(launch, unread && !isOpen ? name + ' (' + t.unread(unread) + ')' : name);
    badge.hidden = !unread || isOpen;
    badge.textContent = unread > 99 ? '99+' : String(unread);
  }

  function setOpen(open) {
    isOpen = open;
    panel.hidden = !open;
    launch.setAttribute('aria-expanded', String(open));
    labelLauncher();
    if (open) {
      log.scrollTop = log.scrollHeight;
      (pre.hidden ? input : pre.elements.name).focus();
      onOpen();
    } else if (root.activeElement) {
      launch.focus();
    }
  }

  launch.onclick = () => setOpen(!isOpen);
  $('.x').onclick = () => setOpen(false);
  root.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && isOpen) {
      ev.stopPropagation();
      setOpen(false);
    }
  });

  const submit = () => {
    const text = input.value.trim();
    if (text && onSend(text)) input.value = '';
    input.focus();
  };
  compose.onsubmit = (ev) => {
    ev.preventDefault();
    submit();
  };
  pre.onsubmit = (ev) => {
    ev.preventDefault();
    const name = pre.elements.name.value.trim();
    const email = pre.elements.email.value.trim();
    if (!name || !pre.reportValidity()) return;
    onProfile(name, email);
  };
  ask.onsubmit = (ev) => {
    ev.preventDefault();
    const email = ask.elements.email.value.trim();
    if (ask.reportValidity()) onEmail(email);
  };
  // The hub refuses an address without a dot after the @, which type=email lets through.
  for (const email of [pre.elements.email, ask.elements.email])
    email.addEventListener('input', () => {
      email.setCustomValidity('');
      if (email.validity.patternMismatch) email.setCustomValidity(t.badEmail);
    });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => onInput(input.value.length > 0));
  attach.onclick = () => picker.click();
  picker.onchange = () => {
    const file = picker.files && picker.files[0];
    picker.value = '';
    if (file) onFile(file);
  };

  const time = (iso) => {
    const d = new Date(iso);
    if (isNaN(d)) return '';
    const opts = { hour: '2-digit', minute: '2-digit' };
    if (d.toDateString() !== new Date().toDateString()) Object.assign(opts, { month: 'short', day: 'numeric' });
    return d.toLocaleString(lang, opts);
  };

  // One message: its sender (the agent's name and avatar, "AI assistant" marked as such, or
  // "You"), its time, and its text; the element is created once and updated in place.
  function paint(el, e) {
    if (!el.firstChild) {
      el.innerHTML = '<div class="meta"><img class="av" alt="" data-part="avatar" hidden><span class="who" data-part="sender"></span><time></time></div><div class="tx" data-part="text"></div><div class="at" data-part="attachments"></div>';
      const img = el.firstChild.firstChild;
      img.onerror = () => ((img.dataset.bad = img.getAttribute('src')), (img.hidden = true)); // removed since
    }
    const av = el.firstChild.firstChild;
    const who = av.nextSibling;
    const when = who.nextSibling;
    const pic = e.sender === 'agent' && /^\/avatars\//.test(e.avatar || '') ? hub + e.avatar : '';
    if (pic && av.getAttribute('src') !== pic) av.src = pic;
    av.hidden = !pic || av.dataset.bad === pic;
    const name = e.sender === 'visitor' ? t.you : e.sender === 'ai' ? t.ai : e.name || t.agent;
    if (who.textContent !== name) who.textContent = name;
    who.toggleAttribute('data-ai', e.sender === 'ai');
    const shown = e.pending ? t.sending : e.at ? time(e.at) : '';
    if (when.textContent !== shown) when.textContent = shown;
    if (e.at) when.setAttribute('datetime', e.at);
    const tx = el.children[1];
    if (tx.textContent !== (e.text || '')) tx.textContent = e.text || '';
    const list = e.attachments || [];
    tx.hidden = !e.text && list.length > 0;
    files.render(el.lastChild, list, t);
  }

  const ui = {
    rating, // the satisfaction rating box (rating.js)
    /** Show entries (from the store) in order, reusing one element per entry. */
    render(list) {
      entries = list;
      const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
      const seen = new Set();
      let prev = null;
      for (const e of list) {
        let el = els.get(e.key);
        if (!el) {
          el = document.createElement('div');
          el.className = 'm';
          els.set(e.key, el);
          if (sizes) sizes.observe(el);
        }
        seen.add(e.key);
        const attrs = {
          'data-seq': e.seq ? String(e.seq) : null,
          'data-id': e.id || null,
          'data-sender': e.sender || '',
          'data-client-id': e.client_id || null,
          'data-reply-id': e.reply_id || null,
          'data-pending': e.pending ? 'true' : null,
          'data-streaming': e.streaming ? 'true' : null,
        };
        for (const a in attrs) {
          if (attrs[a] == null) el.removeAttribute(a);
          else if (el.getAttribute(a) !== attrs[a]) el.setAttribute(a, attrs[a]);
        }
        paint(el, e);
        const want = prev ? prev.nextSibling : log.firstChild;
        if (want !== el) log.insertBefore(el, want);
        prev = el;
      }
      for (const [key, el] of els) {
        if (!seen.has(key)) {
          el.remove();
          els.delete(key);
        }
      }
      if (atEnd) log.scrollTop = log.scrollHeight;
    },
    /** The company's settings (welcome.config) in language `code`. */
    configure(cfg, code) {
      lang = code;
      t = strings(code);
      host.setAttribute('lang', code);
      host.dataset.pos = cfg.position === 'left' ? 'left' : 'right';
      host.style.setProperty('--c', cfg.color || '#1d4e89', 'important');
      host.style.setProperty('--t', cfg.text_color || '#ffffff', 'important');
      $('.title').textContent = cfg.name || t.title;
      $('.greet').textContent = cfg.greeting || t.greeting;
      label(panel, t.chat);
      label(log, t.log);
      label($('.x'), t.close);
      label(input, t.message);
      label(attach, t.attach);
      input.placeholder = t.placeholder;
      $('.compose .send').textContent = t.send;
      $('.pre .send').textContent = t.start;
      $('.ask .send').textContent = t.notify;
      $('.intro').textContent = t.intro;
      $('.ln').textContent = t.name;
      for (const el of root.querySelectorAll('.le')) el.textContent = t.email;
      typingEl.textContent = t.typing;
      rating.configure(t);
      labelLauncher();
      ui.setState(state);
      ui.render(entries);
    },
    setState(s) {
      state = s;
      status.dataset.state = s;
      status.dataset.avail = (s === 'online' && avail && avail.status) || '';
      // Connected is not "Online": the team is, within its hours and present (the hub says).
      let text = t[s] || s;
      if (s === 'online') {
        if (!avail) text = t.connected;
        else if (avail.status === 'online') text = avail.reply_time ? t.replyIn(avail.reply_time) : t.online;
        else text = avail.ai ? t.aiNow : t.away;
      }
      status.textContent = text;
      ui.setAsk(askState, awayText);
    },
    /** The team's availability (welcome.availability, availability.updated). */
    setAvailability(a) {
      avail = a;
      ui.setState(state);
    },
    /** The email ask when nobody is there: null hides it, 'ask' asks, else the address given. */
    setAsk(s, text) {
      askState = s;
      awayText = text || '';
      ask.hidden = s !== 'ask';
      $('.am').textContent = awayText || t.awayAsk;
      note.hidden = !s || s === 'ask';
      note.textContent = note.hidden ? '' : t.willEmail(s);
    },
    /** The unread count on the launcher (its badge and accessible name). */
    setUnread(n) {
      unread = n;
      labelLauncher();
    },
    get open() {
      return isOpen;
    },
    /** Ask for name and email before the first message (the company's pre-chat form). */
    setPreChat(on) {
      if (pre.hidden === !on) return;
      pre.hidden = !on;
      compose.hidden = on;
      if (isOpen) (on ? pre.elements.name : input).focus();
    },
    /** An upload's state: 'busy' (uploading), an error code, or null (nothing to say). */
    setUpload(kind) {
      fileNote.hidden = !kind;
      fileNote.dataset.kind = kind === 'busy' ? 'busy' : 'error';
      fileNote.setAttribute('role', kind === 'busy' ? 'status' : 'alert');
      fileNote.textContent = !kind ? '' : kind === 'busy' ? t.uploading : t[kind] || t.failed;
      attach.disabled = kind === 'busy';
    },
    /** Show "Typing…" for sender 'agent' or 'ai'; null hides it. */
    setTyping(sender) {
      clearTimeout(typingTimer);
      typingEl.hidden = !sender;
      typingEl.dataset.typing = sender || '';
      if (sender) typingTimer = setTimeout(() => ui.setTyping(null), 20000);
    },
  };
  return ui;
}
