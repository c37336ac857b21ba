import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  EVENT_GROUPS, EVENT_TYPES, clipped, deliveryWords, dueSoon, lastAttempt, endpointBody, endpointProblem, pausedAlert, stateLabel, toggleEvent,
} from "../src/webhooks-state.js";

// hub/webhooks/catalog.py's constants, read from the source: a type added there must be
// offered here (webhook.test is sent by hand, never subscribed to).
const CATALOG = readFileSync(new URL("../../hub/webhooks/catalog.py", import.meta.url), "utf8");
const HUB_TYPES = [...CATALOG.matchAll(/^[A-Z_]+ = "([a-z_.]+)"$/gm)].map((m) => m[1]).filter((t) => t !== "webhook.test");

test("the groups offer every event the hub accepts, once each, and not the test event", () => {
  assert.equal(HUB_TYPES.length, 12); // the source was read
  assert.deepEqual([...EVENT_TYPES].sort(), [...HUB_TYPES].sort());
  assert.equal(new Set(EVENT_TYPES).size, EVENT_TYPES.length);
  assert.ok(!EVENT_TYPES.includes("webhook.test"));
  assert.deepEqual(EVENT_GROUPS.map(([title]) => title), ["Conversations", "Messages", "Contacts", "Leads"]);
});

test("toggling keeps the catalogue's order and no duplicates", () => {
  let events = toggleEvent([], "contact.created", true);
  events = toggleEvent(events, "conversation.created", true);
  events = toggleEvent(events, "conversation.created", true);
  assert.deepEqual(events, ["conversation.created", "contact.created"]);
  assert.deepEqual(toggleEvent(events, "conversation.created", false), ["contact.created"]);
});

test("a form is refused before sending for a bad URL or no events", () => {
  const ok = { url: " https://crm.example.com/hooks ", events: ["message.created"] };
  assert.equal(endpointProblem(ok), "");
  assert.equal(endpointProblem({ ...ok, url: "" }), "Enter the endpoint's URL.");
  assert.match(endpointProblem({ ...ok, url: "ftp://x.example" }), /http\(s\)/);
  assert.match(endpointProblem({ ...ok, url: "not a url" }), /http\(s\)/);
  assert.match(endpointProblem({ ...ok, url: "https://me:pw@x.example/" }), /user name/);
  assert.match(endpointProblem({ ...ok, url: `https://x.example/${"a".repeat(2000)}` }), /2000/);
  assert.match(endpointProblem({ ...ok, description: "d".repeat(201) }), /200/);
  assert.equal(endpointProblem({ ...ok, events: [] }), "Pick at least one event.");
  assert.match(endpointProblem({ ...ok, events: ["webhook.test"] }), /not one/);
  assert.deepEqual(endpointBody({ ...ok, description: "  CRM " }),
    { url: "https://crm.example.com/hooks", description: "CRM", events: ["message.created"] });
});

test("state labels name the pause's reason", () => {
  assert.equal(stateLabel({ state: "active", paused_reason: null }), "Active");
  assert.equal(stateLabel({ state: "paused", paused_reason: null }), "Paused");
  assert.equal(stateLabel({ state: "paused", paused_reason: "failing for a day" }), "Paused: failing for a day");
});

test("delivery statuses in words tell retrying from waiting", () => {
  assert.equal(deliveryWords({ status: "delivered", attempts: 1 }), "Delivered");
  assert.equal(deliveryWords({ status: "failed", attempts: 8 }), "Failed");
  assert.equal(deliveryWords({ status: "pending", attempts: 0, next_attempt_at: "2026-12-08T00:00:00Z" }), "Pending");
  assert.equal(deliveryWords({ status: "pending", attempts: 0, next_attempt_at: null }), "Waiting behind an earlier event");
  assert.equal(deliveryWords({ status: "pending", attempts: 2, next_attempt_at: "x" }), "Retrying (attempt 2 failed)");
});

test("responses are clipped and the paused alert names the endpoint", () => {
  assert.equal(clipped(null), "");
  assert.equal(clipped("abc", 5), "abc");
  assert.equal(clipped("abcdef", 3), "abc…");
  assert.match(pausedAlert({ url: "https://x.example/h", description: "" }), /^Webhook https:\/\/x\.example\/h was paused/);
  assert.match(pausedAlert({ url: "https://x.example/h", description: "CRM" }), /^Webhook CRM was paused/);
});

test("the log follows only deliveries about to be tried", () => {
  const now = Date.parse("2026-12-08T00:00:00Z");
  const at = (s) => new Date(now + s * 1000).toISOString();
  assert.equal(dueSoon([{ status: "pending", next_attempt_at: at(5) }], now), true);
  assert.equal(dueSoon([{ status: "pending", next_attempt_at: at(-5) }], now), true);
  assert.equal(dueSoon([{ status: "pending", next_attempt_at: at(300) }], now), false);
  assert.equal(dueSoon([{ status: "pending", next_attempt_at: null }], now), false);
  assert.equal(dueSoon([{ status: "delivered", next_attempt_at: at(1) }], now), false);
  assert.equal(dueSoon([], now), false);
});

test("the last attempt comes from the log, else the delivery's own fields", () => {
  const log = [{ attempt: 2, status_code: 200, response: "ok", error: null }, { attempt: 1, status_code: 500, response: "down", error: null }];
  assert.deepEqual(lastAttempt({ last_status_code: null, log }), { code: 200, response: "ok", error: "" });
  assert.deepEqual(lastAttempt({ last_status_code: 503, last_response: "x", last_error: null, log: [] }), { code: 503, response: "x", error: "" });
  assert.deepEqual(lastAttempt({ log: [{ attempt: 1, status_code: null, response: null, error: "timeout" }] }), { code: null, response: "", error: "timeout" });
});
