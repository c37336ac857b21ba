// The account pages: sign-up, sign-in, forgot / reset, email verification and invitation
// acceptance. One module for the one document (account.html); the body's data-page picks the
// form. Forms post JSON to /api/account/* (docs/protocol.md, Accounts); a session cookie is
// set by the hub and never seen here.

const page = document.body.dataset.page;
const root = document.querySelector(`[data-for="${page}"]`);
const status = root.querySelector(".account-status");
for (const other of document.querySelectorAll("[data-for]")) if (other !== root) other.remove(); // one form a page

// A link's secret arrives in the fragment (never sent to a server, never in a Referer);
// it is taken out of the address bar at once.
const linkToken = new URLSearchParams(location.hash.slice(1)).get("token") || "";
if (location.hash) history.replaceState(null, "", location.pathname);

const MESSAGES = {
  invalid_credentials: "Wrong email or password.",
  rate_limited: "Too many attempts. Wait a little and try again.",
  invalid_link: "This link is used, expired or withdrawn. Ask for a new one.",
  csrf: "This page is out of date; reload it and try again.",
};

function say(text, kind = "") {
  status.textContent = text;
  if (kind) status.dataset.kind = kind; else delete status.dataset.kind;
}

async function post(path, body) {
  try {
    const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "same-origin" });
    const parsed = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, body: parsed, code: parsed.error?.code, message: parsed.error?.message };
  } catch (err) {
    return { ok: false, status: 0, body: {}, code: "network", message: `Could not reach the hub: ${err.message}` };
  }
}

const explain = (r) => MESSAGES[r.code] || r.message || `The hub answered HTTP ${r.status}.`;
const values = (form) => Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v).trim()]));

/** Run `send` on submit with the button disabled meanwhile. */
function onSubmit(send) {
  root.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = root.querySelector("button[type=submit]");
    button.disabled = true;
    say("Working…");
    try { await send(values(root)); } finally { button.disabled = false; }
  });
}

const toInbox = () => location.assign("/inbox");

const PAGES = {
  landing() {},
  signup() {
    onSubmit(async (v) => {
      const r = await post("/api/account/signup", { ...v, password: root.elements.password.value });
      if (!r.ok) return say(explain(r), "error");
      root.elements.password.value = "";
      say(`Check your email: we sent a link to ${v.email} to confirm it. It works for 24 hours.`, "ok");
    });
  },
  login() {
    onSubmit(async (v) => {
      const r = await post("/api/account/signin", { email: v.email, password: root.elements.password.value });
      if (r.ok) return toInbox();
      root.elements.password.value = "";
      say(explain(r), "error");
    });
  },
  forgot() {
    onSubmit(async (v) => {
      const r = await post("/api/account/forgot", v);
      if (!r.ok) return say(explain(r), "error");
      say(`If an account uses ${v.email}, a link to choose a new password is on its way. It works for an hour.`, "ok");
    });
  },
  reset() {
    onSubmit(async () => {
      const r = await post("/api/account/reset", { token: linkToken, password: root.elements.password.value });
      if (!r.ok) return say(explain(r), "error");
      root.elements.password.value = "";
      status.replaceChildren("Password changed; you were signed out everywhere. ",
        Object.assign(document.createElement("a"), { href: "/login", textContent: "Sign in" }));
      status.dataset.kind = "ok";
    });
  },
  async verify() {
    const r = await post("/api/account/verify", { token: linkToken });
    if (r.ok) return toInbox();
    root.querySelector("h2").textContent = "This link did not work";
    say(explain(r), "error");
  },
  async invite() {
    const about = document.getElementById("invite-about");
    const r = await post("/api/account/invitation", { token: linkToken });
    if (!r.ok) { say(explain(r), "error"); root.querySelector("button").disabled = true; return; }
    about.textContent = `${r.body.company} invites ${r.body.email} to join as ${r.body.role === "owner" ? "an owner" : "an agent"}.`;
    onSubmit(async (v) => {
      const a = await post("/api/account/accept", { token: linkToken, name: v.name, password: root.elements.password.value });
      if (a.ok) return toInbox();
      say(explain(a), "error");
    });
  },
};

async function alreadySignedIn() {
  const res = await fetch("/api/session", { credentials: "same-origin" }).catch(() => null);
  return Boolean(res && res.ok);
}

root.hidden = false;
if ((page === "login" || page === "signup") && await alreadySignedIn()) toInbox();
else await PAGES[page]();
root.querySelector("input")?.focus();
