// How the inbox is signed in (docs/protocol.md, Accounts): by the HttpOnly session cookie,
// which this script never sees. A `#token=` link (`hub serve --demo`, scripts) is exchanged
// once for a cookie session (POST /api/session) and nothing is kept in storage. Every call
// carries the session's CSRF token; the socket's `auth` frame gets a two-minute token.

const session = { csrf: null, agent: null };

/** The headers every API call of the inbox adds (the CSRF token of the session). */
export function authHeaders() {
  return session.csrf ? { "X-CSRF-Token": session.csrf } : {};
}

/** Sign in from a `#token=` link if there is one, then read the session; true when signed in. */
export async function startSession() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (token) {
    history.replaceState(null, "", location.pathname + location.search);
    const res = await fetch("/api/session", { method: "POST", headers: { Authorization: `Bearer ${token}` } })
      .catch(() => null);
    if (res?.ok) return remember(await res.json());
  }
  const res = await fetch("/api/session").catch(() => null);
  return res?.ok ? remember(await res.json()) : false;
}

function remember(body) {
  session.csrf = body.csrf_token;
  session.agent = body;
  return true;
}

/** A short-lived token for the socket's `auth` frame; null when the session has ended. */
export async function socketToken() {
  const res = await fetch("/api/session/socket-token").catch(() => null);
  return res?.ok ? (await res.json()).token : null;
}

/** Sign this browser out ("Sign out"), then go to the sign-in page. */
export async function signOut() {
  await fetch("/api/session", { method: "DELETE", headers: authHeaders() }).catch(() => null);
  session.csrf = null;
  location.assign("/login");
}

/** "Sign out everywhere else": every other session of this agent ends. */
export async function signOutOthers() {
  const res = await fetch("/api/sessions/others", { method: "DELETE", headers: authHeaders() }).catch(() => null);
  return Boolean(res?.ok);
}
