// The walkthrough's quick forms' calls: the company profile, the AI's first facts and Q&A
// pairs, and inviting a teammate. Each goes through the same API as Settings.
import { request } from "./http.js";

/** PUT /api/company replaces the whole profile: the current one with `change(current)` over it. */
export function companyBody(current, change) {
  const c = current;
  return { name: c.name, website: c.website, description: c.description, facts: c.facts || [],
    allowed_origins: c.allowed_origins || [], ...change(c) };
}

/** Read the profile, change part of it, write it back; the API's result. */
export async function saveCompany(change) {
  const got = await request("GET", "/api/company");
  if (!got.ok) return got;
  return request("PUT", "/api/company", companyBody(got.body, change));
}

/** The profile's fields as the form edits them: trimmed, empty website/description as null. */
export const profileChange = ({ name, website, description }) => () =>
  ({ name: name.trim(), website: website.trim() || null, description: description.trim() || null });

/** One more fact after the company's own. */
export const addFact = (text) => saveCompany((c) => ({ facts: [...(c.facts || []), text.trim()] }));

export const addPair = (question, answer) =>
  request("POST", "/api/qa", { question: question.trim(), answer: answer.trim() });

export const invite = (email, role) => request("POST", "/api/invitations", { email: email.trim(), role });

/** What the invitation box says: the link shown once when no mail is configured, else "emailed". */
export function invitationNote(body) {
  const { email } = body.invitation;
  return body.invite_url
    ? { text: `Send ${email} this invitation link. It is shown only once.`, link: body.invite_url }
    : { text: `We emailed ${email} an invitation.`, link: null };
}
