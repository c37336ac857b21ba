// The words of search results, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { clockTime, contactLabel, fullTime, lastText, markParts, relativeTime, searchSummary, shortTime } from "../src/search.js";

test("a snippet's marks count code points and skip overlaps", () => {
  assert.deepEqual(markParts({ text: "😀 solar panels", marks: [[2, 7], [4, 6], [8, 14]] }),
    [["😀 ", false], ["solar", true], [" ", false], ["panels", true]]);
  assert.deepEqual(markParts({ text: "plain" }), [["plain", false]]);
});

test("relative times", () => {
  const now = Date.parse("2026-12-07T12:00:00Z");
  assert.equal(relativeTime("2026-12-07T11:59:30Z", now), "just now");
  assert.equal(relativeTime("2026-12-07T11:55:00Z", now), "5 min ago");
  assert.equal(relativeTime("2026-12-07T09:00:00Z", now), "3 h ago");
  assert.equal(relativeTime("2026-12-06T12:00:00Z", now), "yesterday");
  assert.equal(relativeTime("2026-12-03T12:00:00Z", now), "4 days ago");
});

test("contacts are named by name, phone, email, else a visitor name", () => {
  assert.equal(contactLabel({ name: "Ann", phone: "+1" }), "Ann");
  assert.equal(contactLabel({ phone: "+1", email: "a@b" }), "+1");
  assert.equal(contactLabel({ email: "a@b" }), "a@b");
  assert.match(contactLabel({ id: "k1" }), /^[A-Z][a-z]+ [A-Z][a-z]+$/);
  assert.equal(lastText({ text: "" }), "[attachment]");
  assert.equal(searchSummary({ messages: [1], contacts: [] }), "1 message, 0 contacts");
  assert.equal(searchSummary({ messages: [], contacts: [] }), "Nothing found.");
  assert.equal(searchSummary({ messages: [], contacts: [1], conversations: [1, 2] }), "2 conversations, 0 messages, 1 contact");
  assert.equal(searchSummary({ messages: [], contacts: [], conversations: [] }), "Nothing found.");
});

test("the cached formatters say what toLocale*String says", () => {
  const iso = "2026-12-07T14:32:00Z";
  const d = new Date(iso);
  assert.equal(fullTime(iso), d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
  assert.equal(shortTime(iso), d.toLocaleString([], { dateStyle: "short", timeStyle: "short" }));
  assert.equal(clockTime(iso), d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  assert.equal(relativeTime("2026-01-01T00:00:00Z", Date.parse(iso)), new Date("2026-01-01T00:00:00Z").toLocaleDateString([], { dateStyle: "medium" }));
});
