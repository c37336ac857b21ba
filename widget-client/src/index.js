// The loader: <script src="https://HUB/widget.js" data-key="WIDGET_KEY" async></script>.
// A signed-in user of the site adds data-user-id and data-user-hash (HMAC-SHA256 of the id
// with the company's widget secret, computed by the site's server), and may add
// data-user-name and data-user-email. Safe to include twice: the second copy does nothing.
import { createTransport } from './transport.js';
import { createStore } from './store.js';
import { createUI } from './ui.js';
import { pickLanguage } from './i18n.js';
import { load, save, loadJSON, saveJSON } from './storage.js';
import { createFiles } from './attachments.js';
import * as P from './protocol.js';

const FLAG = '__leadopWidget';
const RETRY_FIRST = 2000; // ms before sends refused with `unavailable` go again
const RETRY_MAX = 30000;
const CONFIG_WAIT = 3000; // ms a first visit waits for the company's look before showing
const TITLE_MARK = /^\(\d+\) /;

function boot() {
  if (window[FLAG] || document.getElementById('leadop-widget-host')) return;
  const script = document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
  const key = script && script.getAttribute('data-key');
  if (!key) return console.warn('[leadop] widget.js needs a data-key attribute');
  window[FLAG] = true;
  const attr = (name) => script.getAttribute('data-user-' + name) || null;
  const user = attr('id') || attr('hash') ? { id: attr('id'), hash: attr('hash') } : null;
  const given = { name: attr('name'), email: attr('email') }; // the site's signed-in user

  const src = new URL(script.src, location.href);
  const url = (src.protocol === 'https:' ? 'wss://' : 'ws://') + src.host + '/ws/widget?key=' + encodeURIComponent(key);
  const files = createFiles(src.protocol + '//' + src.host, key, () => load('session', key), user);
  const visitId = P.randomId(); // one per page view
  let sentSession = null;
  let conversation = null;
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
  let config = loadJSON('config', key); // the company's look, as last seen
  let contact = null; // welcome.contact: what the hub knows of the visitor
  let profile = null; // name and email to tell the hub, until it has them
  let profileOn = -1; // the generation the profile went out on
  let refused = false; // the hub refused the signed-in user's hash
  let read = null; // {c: conversation id, s: highest seq seen with the panel open}
  let askRating = false; // the hub awaits the visitor's rating (rating.js)
  let rated = null; // the rating of this resolution, while it is resolved (its comment may follow)
  let ratingUnread = false; // asked live while the panel was closed, and not seen yet
  let avail = null; // welcome.availability, then availability.updated: online or away
  let asked = null; // the address the visitor typed in the away ask
  let resolved = false; // an agent resolved the conversation (the widget says so)

  const store = createStore((entries) => {
    shown = entries;
    if (ui) ui.render(entries);
    updateUnread();
  });

  const transport = createTransport(url, {
    hello() {
      sentSession = load('session', key);
      return P.hello(visitId, sentSession, store.lastSeq, user);
    },
    onState: showState,
    onFrame,
  });

  function showState() {
    const s = transport.state;
    if (ui) ui.setState(refused && s === 'offline' ? 'refused' : s);
  }

  // Unread: agent and AI messages past what the visitor saw with the panel open. Shown on the
  // launcher and in the page title while the panel is closed.
  function updateUnread() {
    if (!ui || !read) return;
    if (ui.open && store.lastSeq > read.s) {
      read.s = store.lastSeq;
      saveJSON('read', key, read);
    }
    if (ui.open) ratingUnread = false;
    const asked = askRating && ratingUnread ? 1 : 0; // a question asked while it was closed
    const n = shown.filter((e) => e.seq > read.s && e.sender !== 'visitor').length + asked;
    ui.setUnread(n);
    if (n || TITLE_MARK.test(document.title)) {
      const base = document.title.replace(TITLE_MARK, '');
      document.title = n ? '(' + n + ') ' + base : base;
    }
  }

  // The pre-chat form: when the company wants it, until the hub knows the visitor's name and
  // email, and only before a conversation has started.
  function updatePreChat() {
    if (!ui) return;
    const known = contact && contact.name && contact.email;
    ui.setPreChat(!!(config && config.pre_chat_form && contact && !known && !profile && !shown.length));
  }

  // Away and nobody (not even the AI) answers now: once the visitor has written, ask for an
  // email (unless the hub has one), so an agent's later answer can reach them.
  function updateAsk() {
    if (!ui) return;
    const has = (contact && contact.email) || (profile && profile.email);
    const wrote = shown.some((e) => e.sender === 'visitor');
    const away = avail && avail.ask_email;
    ui.setAsk(asked && avail && avail.status === 'away' ? asked : away && wrote && !has ? 'ask' : null, avail && avail.away_message);
  }

  function showAvail() {
    if (!ui) return;
    ui.setAvailability(avail);
    updateAsk();
  }

  function applyConfig() {
    if (ui && config) ui.configure(config, pickLanguage(config.language));
  }

  function flush() {
    if (profile && profileOn !== generation && transport.send(P.profile(profile.name, profile.email, profile.typed))) profileOn = generation;
    if (engageWanted && !engaged && transport.send(P.engage())) engaged = true;
    for (const e of store.pending()) {
      if (e.sentOn === generation) continue;
      const ids = (e.attachments || []).map((a) => a.id);
      if (!transport.send(P.sendMessage(e.client_id, e.text, ids))) break;
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

  function welcome(f) {
    // A new session, or another conversation (signed in or out): start from what the hub has.
    if ((sentSession && f.session_id !== sentSession) || (conversation && f.conversation_id !== conversation)) store.reset();
    conversation = f.conversation_id;
    if (f.session_id) save('session', key, f.session_id);
    if (f.config) {
      config = f.config;
      saveJSON('config', key, config);
      if (ui) applyConfig();
      else mountNow();
    }
    contact = f.contact || { name: null, email: null };
    const wanted = profile || given;
    const differs = (k) => wanted[k] && wanted[k] !== contact[k];
    profile = differs('name') || differs('email') ? wanted : null;
    read = loadJSON('read', key);
    if (!read || read.c !== f.conversation_id) read = { c: f.conversation_id, s: f.last_seq || 0 };
    saveJSON('read', key, read);
    updatePreChat();
    updateUnread();
    // A visitor who comes back (reload, or days later) to a resolved, unrated conversation is
    // asked again: the launcher counts the question until the panel is opened.
    if (f.rating_pending && !askRating && !(ui && ui.open)) ratingUnread = true;
    askRating = !!f.rating_pending;
    resolved = !!f.resolved;
    rated = f.rating || null; // rated, maybe without a comment yet: the box is offered again
    if (ui) showRating();
    avail = f.availability || null;
    showAvail();
    updateUnread();
  }

  // The satisfaction rating (rating.js): asked while the hub says one is pending.
  function showRating() {
    ui.rating.setResolved(resolved);
    const commenting = !askRating && rated && rated.comment == null;
    if (askRating && ui.rating.state !== 'asking') ui.rating.ask();
    else if (commenting && ui.rating.state !== 'commenting') ui.rating.rated(rated);
    else if (!askRating && !commenting && ui.rating.state !== 'hidden' && ui.rating.state !== 'thanks') ui.rating.hide();
  }

  // Writing (or sending a file) reopens the conversation: the question goes.
  function dropRating() {
    if (askRating || ui.rating.state !== 'hidden') ui.rating.hide();
    askRating = false;
    resolved = false;
    rated = null;
    ui.rating.setResolved(false);
  }

  function onFrame(f) {
    switch (f.type) {
      case 'welcome':
        welcome(f);
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
        updatePreChat();
        updateAsk();
        break;
      case 'ai.delta':
        store.delta(f);
        break;
      case 'availability.updated':
        avail = f.availability;
        showAvail();
      case 'conversation.resolved':
        resolved = true;
        if (ui) ui.rating.setResolved(true);
        break;
      case 'rating.request':
        askRating = true;
        ratingUnread = true;
        if (ui) ui.rating.ask();
        updateUnread();
        break;
      case 'rating.withdrawn': // an agent reopened it: a rating now would be refused
        askRating = false;
        resolved = false;
        rated = null; // that resolution's rating takes no comment any more
        if (ui) ui.rating.setResolved(false);
        if (ui && (ui.rating.state === 'asking' || ui.rating.state === 'commenting')) ui.rating.hide();
        updateUnread();
        break;
      case 'conversation.rated': // the star, then maybe a comment on the same rating
        askRating = false;
        rated = f.rating;
        if (ui) ui.rating.rated(f.rating);
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
        if ((f.code === 'already_rated' || f.code === 'not_pending') && ui) {
          askRating = false;
          rated = null;
          ui.rating.hide();
        }
        if (f.code === 'identity_refused') {
          refused = true;
          mountNow();
          showState();
        }
        break;
    }
  }

  transport.start(); // at load: this counts the visit and replays the conversation

  let wantMount = false;
  const mount = () => {
    if (ui) return;
    ui = createUI({
      hub: src.protocol + '//' + src.host,
      onOpen() {
        engageWanted = true;
        flush();
        updateUnread();
      },
      onSend(text) {
        const n = P.textLength(text);
        if (n < 1 || n > P.MAX_TEXT) return false;
        setTyping(false);
        dropRating();
        store.addPending(text);
        flush();
        return true;
      },
      onInput: setTyping,
      onRate(score) {
        transport.send(P.rate(score, null));
      },
      onComment(text) {
        transport.send(P.rateComment(text));
      },
      files,
      // Upload, then send a message carrying it (through the pending queue, like any send).
      onFile(file) {
        ui.setUpload('busy');
        files.upload(file).then(
          (view) => {
            ui.setUpload(null);
            dropRating(); // a file reopens the conversation as writing does
            store.addPending('', [view]);
            flush();
          },
          (err) => ui.setUpload(err.code),
        );
      },
      onProfile(name, email) {
        profile = { name, email, typed: true }; // typed by the visitor: answers may be mailed
        contact = { name, email };
        updatePreChat();
        flush();
      },
      onEmail(email) {
        asked = email;
        profile = { name: (contact && contact.name) || null, email, typed: true };
        contact = { ...(contact || {}), email };
        updateAsk();
        flush();
      },
    });
    ui.configure(config || {}, pickLanguage(config ? config.language : 'auto'));
    showState();
    ui.render(shown);
    updatePreChat();
    updateUnread();
    showRating();
    showAvail();
  };
  // Show the widget once the page has a body and the company's look is known (from an earlier
  // visit, or the first welcome), or after CONFIG_WAIT with the defaults.
  function mountNow() {
    wantMount = true;
    if (document.body) mount();
    else document.addEventListener('DOMContentLoaded', mount);
  }
  if (config) mountNow();
  else setTimeout(() => wantMount || mountNow(), CONFIG_WAIT);
}

try {
  boot();
} catch (err) {
  console.warn('[leadop] widget failed to start', err);
}
