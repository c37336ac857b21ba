import { test } from "node:test";
import assert from "node:assert/strict";
import {
  STEPS, dismissLabel, firstStep, frameMayTick, knowledgeCount, leftBadge, markOf, opensByItself,
  progressText, spokenState, widgetWait,
} from "../src/onboarding-state.js";
import { accountLine, channelWait } from "../src/onboarding-channels.js";
import { companyBody, invitationNote, profileChange } from "../src/onboarding-forms.js";

const item = (id, done, extra = {}) => ({ id, done, optional: id === "sms" || id === "whatsapp", ...extra });
const checklist = (doneIds, extra = {}) => {
  const items = STEPS.map((s) => item(s.id, doneIds.includes(s.id)));
  const left = items.filter((i) => !i.optional && !i.done).length;
  return { items, left, done: left === 0, dismissed: false, ...extra };
};

test("progress counts the required steps only, and says when all are done", () => {
  assert.equal(progressText(null), "");
  assert.equal(progressText(checklist([])), "0 of 4 steps done");
  assert.equal(progressText(checklist(["profile", "sms", "whatsapp"])), "1 of 4 steps done");
  assert.equal(progressText(checklist(["profile", "widget", "knowledge", "team"])), "4 of 4 steps done: you are all set.");
});

test("the badge says what is left and is empty when nothing is", () => {
  assert.equal(leftBadge(checklist([])), "4 left");
  assert.equal(leftBadge(checklist(["profile", "widget", "knowledge", "team"])), "");
  assert.equal(leftBadge(null), "");
});

test("each entry has a mark and words for screen readers", () => {
  assert.equal(markOf(item("profile", true)), "✓");
  assert.equal(markOf(item("profile", false)), "○");
  assert.equal(markOf(undefined), "○");
  assert.equal(spokenState(item("profile", true)), " (done)");
  assert.equal(spokenState(item("sms", false)), " (optional, to do)");
  assert.equal(spokenState(item("team", false)), " (to do)");
  assert.equal(spokenState(undefined), "");
  assert.deepEqual(STEPS.filter((s) => s.optional).map((s) => s.id), ["sms", "whatsapp"]);
});

test("it opens on the first required step left, skipping optional ones", () => {
  assert.equal(firstStep(checklist([]), "team"), "profile");
  assert.equal(firstStep(checklist(["profile", "widget"]), "profile"), "knowledge");
  assert.equal(firstStep(checklist(["profile", "widget", "knowledge", "team"]), "sms"), "sms");
  assert.equal(firstStep(null, "widget"), "widget");
});

test("it opens by itself only while not done and not dismissed", () => {
  assert.equal(opensByItself(checklist([])), true);
  assert.equal(opensByItself(checklist([], { dismissed: true })), false);
  assert.equal(opensByItself(checklist(["profile", "widget", "knowledge", "team"])), false);
  assert.equal(opensByItself(null), false);
  assert.equal(dismissLabel(checklist([])), "Don't open this by itself");
  assert.equal(dismissLabel(checklist([], { dismissed: true })), "Open this by itself again");
});

test("only a frame that may tick a step not yet done asks for a re-read", () => {
  const inbound = (channel) => ({ type: "message.created", message: { direction: "inbound", channel } });
  const fresh = checklist([]);
  assert.equal(frameMayTick(inbound("sms"), fresh), true);
  assert.equal(frameMayTick(inbound("whatsapp"), fresh), true);
  assert.equal(frameMayTick(inbound("widget"), fresh), false);
  assert.equal(frameMayTick(inbound("sms"), checklist(["sms"])), false);
  assert.equal(frameMayTick({ type: "message.created", message: { direction: "outbound", channel: "sms" } }, fresh), false);
  assert.equal(frameMayTick({ type: "stats.updated", visits: 1 }, fresh), true);
  assert.equal(frameMayTick({ type: "stats.updated", visits: 0 }, fresh), false);
  assert.equal(frameMayTick({ type: "stats.updated", visits: 3 }, checklist(["widget"])), false);
  assert.equal(frameMayTick(inbound("sms"), null), false);
});

test("the widget and knowledge steps say where they stand", () => {
  assert.deepEqual(widgetWait(item("widget", false)), { state: "waiting", text: "Waiting for the first visit from your site…" });
  assert.deepEqual(widgetWait(item("widget", true)), { state: "done", text: "Installed: your site has had visitors." });
  assert.equal(widgetWait(undefined).text, "");
  assert.equal(knowledgeCount({ count: 1, needed: 3 }), "1 of 3 facts and Q&A pairs.");
});

test("a channel step waits for the account, then for a test message", () => {
  assert.deepEqual(channelWait(item("sms", false, { connected: false }), "Twilio"),
    { state: "idle", text: "Waiting for your Twilio account." });
  assert.deepEqual(channelWait(item("sms", false, { connected: true }), "Twilio"),
    { state: "waiting", text: "Waiting for a test message…" });
  assert.deepEqual(channelWait(item("sms", true, { connected: true }), "Twilio"),
    { state: "done", text: "Test message received." });
  assert.deepEqual(accountLine(item("whatsapp", false, { connected: true }), "Kapso"),
    { connected: "true", text: "Your Kapso account is saved." });
  assert.deepEqual(accountLine(item("whatsapp", false, { connected: false }), "Kapso"),
    { connected: "false", text: "No Kapso account saved yet." });
});

test("a quick form's PUT keeps every profile field it does not change", () => {
  const current = { name: "Acme", website: "https://a.test", description: null, facts: ["Open daily"],
    allowed_origins: ["https://a.test"], retention_days: 30 };
  const body = companyBody(current, (c) => ({ facts: [...c.facts, "Free quotes"] }));
  assert.deepEqual(body, { name: "Acme", website: "https://a.test", description: null,
    facts: ["Open daily", "Free quotes"], allowed_origins: ["https://a.test"] });
  assert.deepEqual(companyBody({ name: "B" }, () => ({})).facts, []);
  const change = profileChange({ name: "  Acme Solar ", website: "  ", description: " Panels. " });
  assert.deepEqual(change(), { name: "Acme Solar", website: null, description: "Panels." });
});

test("an invitation shows its link once, or says it was mailed", () => {
  assert.deepEqual(invitationNote({ invitation: { email: "sam@a.test" }, invite_url: "https://h/invite#token=x" }),
    { text: "Send sam@a.test this invitation link. It is shown only once.", link: "https://h/invite#token=x" });
  assert.deepEqual(invitationNote({ invitation: { email: "sam@a.test" } }),
    { text: "We emailed sam@a.test an invitation.", link: null });
});
