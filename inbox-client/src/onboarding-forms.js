// The walkthrough's quick forms: the company profile, the AI's first facts and Q&A pairs, and
// inviting teammates. Each saves through the same API as Settings, then re-reads the checklist.
import { el, field, form, request } from "./settings.js";

/** PUT /api/company replaces the whole profile: change `values`, keep every other field. */
async function saveCompany(change) {
  const got = await request("GET", "/api/company");
  if (!got.ok) return got;
  const c = got.body;
  const body = { name: c.name, website: c.website, description: c.description, facts: c.facts || [],
    allowed_origins: c.allowed_origins || [], ...change(c) };
  return request("PUT", "/api/company", body);
}

export function profileStep(ctx) {
  const name = field("Company name", "text", { required: true, maxLength: 200 });
  const website = field("Website", "url", { maxLength: 500, placeholder: "https://…" });
  const description = field("What the company does", "textarea", { maxLength: 5000, rows: 3,
    hint: "The AI introduces the company with this." });
  const f = form("Company profile", [name.wrap, website.wrap, description.wrap], async () => {
    const result = await saveCompany(() => ({ name: name.input.value.trim(),
      website: website.input.value.trim() || null, description: description.input.value.trim() || null }));
    if (result.ok) await ctx.refresh();
    return result;
  });
  let filled = false;
  return {
    node: el("div", {}, el("p", { textContent: "Your company's name and a website or a description." }), f.node),
    async update() {
      if (filled) return; // never overwrite what the owner is typing
      filled = true;
      const got = await request("GET", "/api/company");
      if (!got.ok) return;
      name.input.value = got.body.name || "";
      website.input.value = got.body.website || "";
      description.input.value = got.body.description || "";
    },
  };
}

export function knowledgeStep(ctx) {
  const count = el("p", { className: "ob-count", role: "status" });
  const fact = field("A fact the AI may use", "text", { required: true, maxLength: 500,
    placeholder: "Open Monday to Friday, 9:00 to 17:00" });
  const facts = form("Add a fact", [fact.wrap], async () => {
    const text = fact.input.value.trim();
    const result = await saveCompany((c) => ({ facts: [...(c.facts || []), text] }));
    if (result.ok) { fact.input.value = ""; await ctx.refresh(); }
    return result;
  }, { submit: "Add fact", done: "Fact added." });
  const q = field("Question", "text", { required: true, maxLength: 2000, placeholder: "Do you install on flat roofs?" });
  const a = field("Answer", "textarea", { required: true, maxLength: 5000, rows: 2 });
  const pairs = form("Add a Q&A pair", [q.wrap, a.wrap], async () => {
    const result = await request("POST", "/api/qa", { question: q.input.value.trim(), answer: a.input.value.trim() });
    if (result.ok) { q.input.value = ""; a.input.value = ""; await ctx.refresh(); }
    return result;
  }, { submit: "Add pair", done: "Pair added." });
  return {
    node: el("div", {}, el("p", { textContent: "The AI answers visitors from your facts and Q&A pairs. Add a few to start; Settings has them all." }),
      count, el("h4", { textContent: "Facts" }), facts.node, el("h4", { textContent: "Q&A pairs" }), pairs.node),
    update(item) { count.textContent = `${item.count} of ${item.needed} facts and Q&A pairs.`; },
  };
}

export function teamStep(ctx) {
  const email = field("Email", "email", { required: true, maxLength: 320 });
  const role = field("Role", "select", {}, [["agent", "Agent"], ["owner", "Owner"]]);
  const once = el("div", { className: "set-once", hidden: true });
  once.setAttribute("aria-live", "polite");
  // The Team tab's invitations (single-use, expiring; mailed, or the link shown once).
  const f = form("Invite a teammate", [email.wrap, role.wrap], async () => {
    const result = await request("POST", "/api/invitations",
      { email: email.input.value.trim(), role: role.input.value });
    if (result.ok) {
      showLink(once, result.body);
      email.input.value = "";
      await ctx.refresh();
    }
    return result;
  }, { submit: "Invite", done: (r) => `Invited ${r.body.invitation.email}.` });
  return {
    node: el("div", {}, el("p", { textContent: "Invite the people who answer customers with you." }), f.node, once),
    update() {},
  };
}

/** The invitation's link when no mail is configured, shown this once (only its hash is kept). */
function showLink(box, body) {
  const { email } = body.invitation;
  box.hidden = false;
  if (!body.invite_url) {
    box.replaceChildren(el("p", { textContent: `We emailed ${email} an invitation.` }));
    return;
  }
  box.replaceChildren(el("p", { textContent: `Send ${email} this invitation link. It is shown only once.` }),
    el("code", { className: "set-secret", textContent: body.invite_url }));
}
