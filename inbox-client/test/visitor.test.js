// Anonymous visitors told apart, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { localTime, placeOf, visitorName, whereAndWhen } from "../src/visitor.js";

test("a contact id always gets the same two-word name; no id is Visitor", () => {
  const name = visitorName("c_123");
  assert.match(name, /^[A-Z][a-z]+ [A-Z][a-z]+$/);
  assert.equal(visitorName("c_123"), name);
  assert.notEqual(visitorName("c_124"), name);
  assert.equal(visitorName(null), "Visitor");
});

test("the place is the zone's city; UTC and unknown zones have none", () => {
  assert.equal(placeOf("America/Argentina/Buenos_Aires"), "Buenos Aires");
  assert.equal(placeOf("Etc/UTC"), "");
  assert.equal(placeOf(""), "");
  assert.equal(localTime("Not/AZone"), "");
  const noon = new Date("2026-12-07T12:00:00Z");
  assert.match(localTime("Europe/Madrid", noon), /^(13|01)[:.]00/);
  assert.equal(whereAndWhen(""), "");
});
