// The account pages' logic, no DOM (docs/protocol.md, Accounts): which page is shown, the
// link's secret, what a form must hold before it is sent, and the words for every answer.

export const PAGES = ["landing", "signup", "login", "forgot", "reset", "verify", "invite"];
const PATHS = { "/": "landing", "/signup": "signup", "/login": "login", "/forgot": "forgot",
  "/reset": "reset", "/verify": "verify", "/invite": "invite" };

/** The page to show: the one the hub named (body data-page), else the path's, else the landing. */
export function pageOf(named, pathname) {
  if (PAGES.includes(named)) return named;
  return PATHS[pathname.replace(/\/+$/, "") || "/"] || "landing";
}

/** Sign-in and sign-up skip to the inbox when this browser is signed in already. */
export const skipsWhenSignedIn = (page) => page === "login" || page === "signup";

/** A link's secret, from the fragment (never sent to a server, never in a Referer). */
export const linkToken = (hash) => new URLSearchParams(hash.replace(/^#/, "")).get("token") || "";

export const MESSAGES = {
  invalid_credentials: "Wrong email or password.",
  rate_limited: "Too many attempts. Wait a little and try again.",
  invalid_link: "This link is used, expired or withdrawn. Ask for a new one.",
  csrf: "This page is out of date; reload it and try again.",
};

/** The words for a refused call: ours for the codes we know, else the hub's message. */
export const explain = (r) => MESSAGES[r.code] || r.message || `The hub answered HTTP ${r.status}.`;

/** What each page's form sends, trimmed (a password is sent as typed). */
export function formBody(values) {
  const body = {};
  for (const [key, value] of Object.entries(values)) body[key] = key === "password" ? value : value.trim();
  return body;
}

const PASSWORD_MIN = 8;
const PASSWORD_MAX = 128;
const REQUIRED = {
  signup: [["company", "Enter your company's name."], ["name", "Enter your name."], ["email", "Enter your email."]],
  login: [["email", "Enter your email."]],
  forgot: [["email", "Enter your email."]],
  invite: [["name", "Enter your name."]],
};
// Pages that choose a new password (sign-in takes whatever the account has).
const NEW_PASSWORD = new Set(["signup", "reset", "invite"]);

/** Why a page's form may not be sent yet (null when it may): what the hub would refuse. */
export function formProblem(page, values) {
  for (const [key, text] of REQUIRED[page] || []) if (!(values[key] || "").trim()) return text;
  if (values.email !== undefined && values.email.trim() && !/^[^\s@]+@[^\s@]+$/.test(values.email.trim())) {
    return "Enter an email address like name@example.com.";
  }
  const password = values.password;
  if (page === "login" && !password) return "Enter your password.";
  if (NEW_PASSWORD.has(page)) {
    if ((password || "").length < PASSWORD_MIN) return `Choose a password of at least ${PASSWORD_MIN} characters.`;
    if (password.length > PASSWORD_MAX) return `Choose a password of at most ${PASSWORD_MAX} characters.`;
  }
  return null;
}

export const signupSent = (email) =>
  `Check your email: we sent a link to ${email} to confirm it. It works for 24 hours.`;
export const forgotSent = (email) =>
  `If an account uses ${email}, a link to choose a new password is on its way. It works for an hour.`;
export const RESET_DONE = "Password changed; you were signed out everywhere. ";

/** The invitation page's line about who invites whom, as what. */
export const inviteAbout = ({ company, email, role }) =>
  `${company} invites ${email} to join as ${role === "owner" ? "an owner" : "an agent"}.`;
