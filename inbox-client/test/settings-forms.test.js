import { test } from "node:test";
import assert from "node:assert/strict";
import * as f from "../src/settings-forms.js";

test("the profile form round-trips, empty fields becoming null and lines lists", () => {
  const company = { name: "Acme", website: null, description: "Solar", facts: ["a", "b"], allowed_origins: [], retention_days: null };
  const values = f.profileValues(company);
  assert.deepEqual(values, { name: "Acme", website: "", description: "Solar", facts: "a\nb", origins: "", retention: "" });
  const body = f.profileBody({ ...values, name: " Acme Solar ", facts: " a \n\n c\n", origins: "https://x.example\n", retention: "30" });
  assert.deepEqual(body, { name: "Acme Solar", website: null, description: "Solar", facts: ["a", "c"],
    allowed_origins: ["https://x.example"], retention_days: 30 });
  assert.deepEqual(f.qaBody({ question: " Q? ", answer: " A. " }), { question: "Q?", answer: "A." });
});

test("the AI form keeps the off-hours switch it does not show", () => {
  const s = { enabled: true, use_case: "faq", instructions: "x", model: "m", temperature: 0.3, max_tokens: 300, answer_off_hours: false };
  const values = f.aiValues(s);
  assert.equal(values.temperature, "0.3");
  assert.deepEqual(f.aiBody({ ...values, model: " m2 ", temperature: "0.7" }, s.answer_off_hours),
    { enabled: true, use_case: "faq", instructions: "x", model: "m2", temperature: 0.7, max_tokens: 300, answer_off_hours: false });
});

test("the widget and inbox forms round-trip", () => {
  const w = { greeting: null, color: "#111111", text_color: "#ffffff", position: "right", language: "auto", pre_chat_form: false };
  assert.deepEqual(f.widgetBody(f.widgetValues(w)), w);
  assert.equal(f.widgetBody({ ...f.widgetValues(w), greeting: " Hi " }).greeting, "Hi");
  assert.deepEqual(f.inboxBody({ ...f.inboxValues({ auto_assign: true, assign_cap: 5 }), cap: "4" }), { auto_assign: true, assign_cap: 4 });
});

test("an integration's secrets never go back into an input", () => {
  const spec = f.PROVIDERS.twilio;
  const view = { configured: true, account_sid: "AC1", auth_token: "••••cdef", phone_number: "+1415" };
  assert.deepEqual(f.integrationValues(spec, view), { account_sid: "AC1", auth_token: "", phone_number: "+1415" });
  assert.equal(f.integrationSummary(spec, view), "Configured. Auth token: set (••••cdef).");
  assert.equal(f.integrationSummary(spec, { configured: false }), "Not configured.");
  assert.equal(f.integrationSummary(f.PROVIDERS.kapso, { configured: true, api_key: "••••1" }),
    "Configured. API key: set (••••1); Webhook secret: not set.");
  assert.deepEqual(f.integrationBody(spec, { account_sid: " AC2 ", auth_token: "t", phone_number: "" }),
    { account_sid: "AC2", auth_token: "t", phone_number: "" });
});

test("tables name keys' makers, devices and times in words", () => {
  const key = { created_by: { id: "a1", name: null, email: "bo@x" } };
  assert.equal(f.createdBy(key, "a1"), "you");
  assert.equal(f.createdBy(key, "a2"), "bo@x");
  assert.equal(f.createdBy({ created_by: { id: "a3" } }, "a2"), "an owner");
  assert.equal(f.when(null), "never");
  assert.equal(f.when("2026-03-01T00:00:00Z", (d) => d.toISOString()), "2026-03-01T00:00:00.000Z");
  assert.equal(f.deviceName({ browser: "Chrome", device: "Linux" }), "Chrome on Linux");
  assert.equal(f.deviceName({ browser: "Chrome" }), "Chrome");
  assert.equal(f.deviceName({}), "Unknown device");
  assert.deepEqual(f.lines(" a \n\n b "), ["a", "b"]);
});
