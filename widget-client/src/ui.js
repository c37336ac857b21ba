// The widget's DOM: a host <div id="leadop-widget-host"> on document.body, styled inline with
// !important so page CSS cannot hide or move it, and everything else inside its open shadow root.

const CSS = `
:host{all:initial}
*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0}
[hidden]{display:none!important}
button{cursor:pointer;border:0;background:none;color:inherit}
button:focus-visible,textarea:focus-visible{outline:2px solid #f5a623;outline-offset:2px}
.launch{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;background:#1d4e89;color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}
.launch svg{width:26px;height:26px;fill:currentColor}
.panel{position:fixed;right:20px;bottom:88px;width:370px;height:min(560px,calc(100vh - 110px));background:#fff;color:#1d2433;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}
.head{background:#1d4e89;color:#fff;padding:10px 12px;display:flex;align-items:center;gap:8px}
.title{font-weight:600;flex:1}
.status{font-size:12px;opacity:.9}
.status[data-state=offline]{color:#ffd2cc}
.x{font-size:22px;line-height:1;width:32px;height:32px;border-radius:6px}
.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px;background:#f6f7f9}
.m{max-width:82%;padding:8px 11px;border-radius:12px;background:#fff;border:1px solid #e3e6eb;white-space:pre-wrap;overflow-wrap:anywhere;align-self:flex-start}
.m[data-sender=visitor]{align-self:flex-end;background:#1d4e89;color:#fff;border-color:#1d4e89}
.m[data-pending=true]{opacity:.6}
.m[data-streaming=true]::after{content:"\\2026"}
.typing{padding:2px 14px 6px;font-size:12px;color:#5b6577;background:#f6f7f9}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e6eb}
textarea{flex:1;resize:none;border:1px solid #c9ced6;border-radius:8px;padding:8px;height:40px;max-height:120px;color:#1d2433;background:#fff}
.send{background:#1d4e89;color:#fff;border-radius:8px;padding:0 14px;font-weight:600}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}.launch[aria-expanded=true]{display:none}}
`;

const HTML = `<style>${CSS}</style>
<button class="launch" type="button" aria-label="Open chat" aria-expanded="false" aria-controls="p"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg></button>
<div class="panel" id="p" role="dialog" aria-label="Chat" hidden>
<div class="head"><span class="title">Chat with us</span><span class="status" role="status" data-state="connecting">Connecting…</span><button class="x" type="button" aria-label="Close chat">×</button></div>
<div class="log" role="log" aria-live="polite" aria-label="Conversation"></div>
<div class="typing" data-typing="" hidden>Typing…</div>
<form><textarea aria-label="Message" placeholder="Type a message…" maxlength="4000" rows="1"></textarea><button class="send" type="submit" aria-label="Send">Send</button></form>
</div>`;

const STATUS = { online: 'Online', connecting: 'Connecting…', offline: 'Offline — reconnecting…' };
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

export function createUI({ onOpen, onSend, onInput }) {
  const host = document.createElement('div');
  host.id = 'leadop-widget-host';
  for (const k in HOST_STYLE) host.style.setProperty(k, HOST_STYLE[k], 'important');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = HTML;
  document.body.appendChild(host);

  const $ = (s) => root.querySelector(s);
  const launch = $('.launch');
  const panel = $('.panel');
  const log = $('.log');
  const status = $('.status');
  const typingEl = $('.typing');
  const input = $('textarea');
  const els = new Map();
  let isOpen = false;
  let typingTimer = 0;

  function setOpen(open) {
    isOpen = open;
    panel.hidden = !open;
    launch.setAttribute('aria-expanded', String(open));
    launch.setAttribute('aria-label', open ? 'Close chat' : 'Open chat');
    if (open) {
      log.scrollTop = log.scrollHeight;
      input.focus();
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
  $('form').onsubmit = (ev) => {
    ev.preventDefault();
    submit();
  };
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => onInput(input.value.length > 0));

  return {
    /** Show entries (from the store) in order, reusing one element per entry. */
    render(entries) {
      const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
      const seen = new Set();
      let prev = null;
      for (const e of entries) {
        let el = els.get(e.key);
        if (!el) {
          el = document.createElement('div');
          el.className = 'm';
          els.set(e.key, el);
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
        if (el.textContent !== e.text) el.textContent = e.text || '';
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
    setState(state) {
      status.dataset.state = state;
      status.textContent = STATUS[state] || state;
    },
    /** Show "Typing…" for sender 'agent' or 'ai'; null hides it. */
    setTyping(sender) {
      clearTimeout(typingTimer);
      typingEl.hidden = !sender;
      typingEl.dataset.typing = sender || '';
      if (sender) typingTimer = setTimeout(() => this.setTyping(null), 20000);
    },
  };
}
