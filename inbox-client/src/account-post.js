// The account pages' calls: JSON posted to /api/account/* (the hub sets the session cookie,
// which this script never sees), and whether this browser is signed in already.

/** POST `body` to `path`: {ok, status, body, code, message}; a network failure is code "network". */
export async function post(path, body) {
  try {
    const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "same-origin" });
    const parsed = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, body: parsed, code: parsed.error?.code, message: parsed.error?.message };
  } catch (err) {
    return { ok: false, status: 0, body: {}, code: "network", message: `Could not reach the hub: ${err.message}` };
  }
}

export async function signedIn() {
  const res = await fetch("/api/session", { credentials: "same-origin" }).catch(() => null);
  return Boolean(res && res.ok);
}

export const toInbox = () => location.assign("/inbox");
