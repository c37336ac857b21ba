// The loader: <script src="https://HUB/widget.js" data-key="WIDGET_KEY" async></script>.
// Safe to include twice: the second copy does nothing.
import { createTransport } from './transport.js';
import { createStore } from './store.js';
import { createUI } from './ui.js';
import { loadSession, saveSession } from './storage.js';
import * as P from './protocol.js';

const FLAG = '__leadopWidget';
const RETRY_FIRST = 2000; // ms before sends refused with `unavailable` go again
const RETRY_MAX = 30000;

function boot() {
  if (window[FLAG] || document.getElementById('leadop-widget-host')) return;
  const script = document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
  const key = script && script.getAttribute('data-key');
  if (!key) return console.warn('[leadop] widget.js needs a data-key attribute');
  window[FLAG] = true;

  const src = new URL(script.src, location.href);
  const url = (src.protocol === 'https:' ? 'wss://' : 'ws://') + src.host + '/ws/widget?key=' + encodeURIComponent(key);
  const visitId = P.randomId(); // one per page view
  let sentSession = null;
  let engageWanted = false;
  let engaged = false;
  let typingSent = false;
  let typingTimer = 0;
  let draftTimer = 0;
  let ui = null;
  let shown = [];
  let generation = 0; // one per welcome: a pending message is sent once per socket
  let retryTimer = 0;
  let retryDelay = RETRY_FIRST;

  const store = createStore((entries) => {
    shown = entries;
    if (ui) ui.render(entries);
  });

  const transport = createTransport(url, {
    hello() {
      sentSession = loadSession(key);
      return P.hello(visitId, sentSession, store.lastSeq);
    },
    onState: (s) => ui && ui.setState(s),
    onFrame,
  });

  function flush() {
    if (engageWanted && !engaged && transport.send(P.engage())) engaged = true;
    for (const e of store.pending()) {
      if (e.sentOn === generation) continue;
      if (!transport.send(P.sendMessage(e.client_id, e.text))) break;
      e.sentOn = generation;
    }
  }

  // The hub could not store a send just now (its database is away, or it failed): send every
  // pending message again after a jittered, growing pause. client_id makes repeats harmless.
  function retryPendingLater() {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = 0;
      for (const e of store.pending()) e.sentOn = -1;
      flush();
    }, retryDelay * (0.5 + Math.random()));
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX);
  }

  function setTyping(active) {
    clearTimeout(typingTimer);
    if (active) typingTimer = setTimeout(() => setTyping(false), 4000);
    if (active !== typingSent && transport.send(P.typing(active))) typingSent = active;
  }

  function onFrame(f) {
    switch (f.type) {
      case 'welcome':
        if (sentSession && f.session_id !== sentSession) store.reset(); // a new session
        if (f.session_id) saveSession(key, f.session_id);
        store.dropDrafts(); // deltas are never replayed; finished replies are
        if (f.last_seq < store.lastSeq) {
          // We hold messages the hub does not: start over from seq 0.
          store.reset();
          return transport.restart();
        }
        typingSent = false;
        generation++;
        retryDelay = RETRY_FIRST;
        flush();
        break;
      case 'message.created':
        store.created(f.message);
        if (f.message && f.message.sender !== 'visitor' && ui) ui.setTyping(null);
        break;
      case 'ai.delta':
        store.delta(f);
        break;
      case 'typing':
        if (f.sender === 'agent' || f.sender === 'ai') {
          if (ui) ui.setTyping(f.active ? f.sender : null);
          clearTimeout(draftTimer);
          if (f.sender === 'ai' && !f.active) draftTimer = setTimeout(() => store.dropDrafts(), 5000);
        }
        break;
      case 'error':
        console.warn('[leadop] hub error:', f.code, f.message);
        if (f.code === 'unavailable' || f.code === 'internal') retryPendingLater();
        break;
    }
  }

  transport.start(); // at load: this counts the visit and replays the conversation

  const mount = () => {
    ui = createUI({
      onOpen() {
        engageWanted = true;
        flush();
      },
      onSend(text) {
        const n = P.textLength(text);
        if (n < 1 || n > P.MAX_TEXT) return false;
        setTyping(false);
        store.addPending(text);
        flush();
        return true;
      },
      onInput: setTyping,
    });
    ui.setState(transport.state);
    ui.render(shown);
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
}

try {
  boot();
} catch (err) {
  console.warn('[leadop] widget failed to start', err);
}
