// The widget socket: hello on every open, application-level ping, reconnect with jittered
// exponential backoff. State: 'connecting' (before the first welcome), 'online' (welcomed),
// 'offline' (lost; reconnecting, or given up after a 4401/4403 close).
import { parse, ping } from './protocol.js';

const PING_MS = 25000;
const DEAD_MS = 60000; // nothing received for this long: the socket is dead
const MAX_DELAY = 10000;
const FATAL = [4401, 4403]; // unknown key, origin not allowed: retrying cannot help

export function createTransport(url, { hello, onFrame, onState }) {
  let ws = null;
  let welcomed = false;
  let attempt = 0;
  let retryTimer = 0;
  let pingTimer = 0;
  let lastRx = 0;
  let stopped = false;
  let state = '';

  const setState = (s) => {
    if (s !== state) onState((state = s));
  };

  function drop() {
    clearInterval(pingTimer);
    const sock = ws;
    ws = null;
    welcomed = false;
    if (sock) {
      sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
      try {
        sock.close();
      } catch {}
    }
  }

  function retry() {
    drop();
    if (stopped) return;
    if (state) setState('offline');
    const base = Math.min(MAX_DELAY, 500 * 2 ** attempt++);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, base / 2 + Math.random() * (base / 2));
  }

  function open() {
    clearTimeout(retryTimer);
    drop();
    if (stopped) return;
    if (!state) setState('connecting');
    let sock;
    try {
      sock = ws = new WebSocket(url);
    } catch (err) {
      console.warn('[leadop] cannot open the chat socket', err);
      return retry();
    }
    sock.onopen = () => {
      lastRx = Date.now();
      sock.send(JSON.stringify(hello()));
      pingTimer = setInterval(() => {
        if (Date.now() - lastRx > DEAD_MS) return retry();
        if (sock.readyState === 1) sock.send(JSON.stringify(ping()));
      }, PING_MS);
    };
    sock.onmessage = (ev) => {
      lastRx = Date.now();
      const frame = parse(ev.data);
      if (!frame) return;
      if (frame.type === 'welcome') {
        welcomed = true;
        attempt = 0;
        setState('online');
      }
      onFrame(frame);
    };
    sock.onerror = () => {}; // a close follows
    sock.onclose = (ev) => {
      if (FATAL.includes(ev.code)) {
        stopped = true;
        console.warn('[leadop] chat refused by the hub (close ' + ev.code + ')');
      }
      retry();
      if (stopped) setState('offline');
    };
  }

  addEventListener('online', () => {
    if (!welcomed && !stopped) {
      attempt = 0;
      open();
    }
  });

  return {
    start: open,
    /** Reconnect now (a fresh hello). */
    restart: () => {
      attempt = 0;
      open();
    },
    /** Send a frame when welcomed; false when it could not go out now. */
    send(frame) {
      if (!ws || !welcomed || ws.readyState !== 1) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    get state() {
      return state;
    },
  };
}
