// The HTTP API as the inbox calls it (docs/protocol.md): one request helper and the words for
// its errors. A 401 runs the sign-out the inbox registered.
import { authHeaders } from "./auth.js";

const ERRORS = {
  bad_request: "Check the fields: ",
  forbidden: "Only an owner may change this.",
  not_found: "It no longer exists (someone else may have deleted it).",
  conflict: "That is already in use: ",
  rate_limited: "Too many changes at once; try again in a moment.",
};

let unauthorized = () => {};

/** What to do when the hub answers 401 (the session ended): sign out. */
export function whenUnauthorized(act) {
  unauthorized = act;
}

/** One API call: {ok, status, body, code, message}; a 401 signs out. */
export async function request(method, path, body) {
  const headers = { ...authHeaders() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    return { ok: false, status: 0, body: null, code: "network", message: `Could not reach the hub: ${err.message}` };
  }
  if (res.status === 401) { unauthorized(); return { ok: false, status: 401, body: null }; }
  const parsed = res.status === 204 ? {} : await res.json().catch(() => ({}));
  const error = parsed.error || {};
  return { ok: res.ok, status: res.status, body: parsed, code: error.code, message: error.message };
}

/** The words for a failed call: the error code's explanation and the API's own message. */
export function explain(result) {
  if (result.code === "network") return result.message;
  const lead = ERRORS[result.code];
  if (!lead) return result.message || `The hub answered HTTP ${result.status}.`;
  return lead.endsWith(": ") ? lead + (result.message || "") : lead;
}
