import { test } from "node:test";
import assert from "node:assert/strict";
import { applyView, countView, currentFilter, matches, putView, showing } from "../src/views-state.js";

const convs = new Map([
  ["c1", { id: "c1", inbox_status: "open", assignee_id: "me", team_id: "t1" }],
  ["c2", { id: "c2", inbox_status: "open", assignee_id: null, team_id: null, priority: "high", labels: [{ id: "l1", name: "vip" }] }],
  ["c3", { id: "c3", inbox_status: "resolved", assignee_id: "me", team_id: "t1" }],
]);
const view = (filter) => ({ id: "v", name: "V", filter });

test("the current filter and back", () => {
  const state = { view: "mine", status: "open", team: "t1" };
  const f = currentFilter(state);
  assert.deepEqual(f, { whose: "mine", status: "open", team: "t1" });
  const patch = applyView({ id: "v1", filter: f });
  assert.deepEqual(patch, { view: "mine", status: "open", team: "t1" });
  assert.ok(showing(state, { filter: f }));
  assert.ok(!showing({ ...state, team: "" }, { filter: f }));
});

test("counts follow whose, status and team", () => {
  assert.equal(countView(convs, view({ whose: "all", status: "open" }), "me"), 2);
  assert.equal(countView(convs, view({ whose: "mine", status: "open", team: "t1" }), "me"), 1);
  assert.equal(countView(convs, view({ whose: "unassigned", status: "open", team: "none" }), "me"), 1);
  assert.equal(countView(convs, view({ whose: "mine", status: "resolved" }), "me"), 1);
  assert.equal(countView(convs, view({ whose: "mine", status: "resolved" }), "other"), 0);
});

test("label and priority keys match what the conversation carries", () => {
  const c2 = convs.get("c2");
  assert.ok(matches({ status: "open", label: "vip", priority: "high" }, c2, "me"));
  assert.ok(matches({ status: "open", label: "l1" }, c2, "me"));
  assert.ok(!matches({ status: "open", label: "vip" }, convs.get("c1"), "me"));
  assert.ok(!matches({ status: "open", priority: "low" }, c2, "me"));
});

test("views replaced, added and removed by id", () => {
  const a = { id: "a", name: "A" }, b = { id: "b", name: "B" };
  assert.deepEqual(putView([a], b), [a, b]);
  assert.deepEqual(putView([a, b], { id: "a", name: "A2" }), [{ id: "a", name: "A2" }, b]);
  assert.deepEqual(putView([a, b], a, true), [b]);
});
