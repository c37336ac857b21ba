import { test } from "node:test";
import assert from "node:assert/strict";
import { initialView, selectTab, settled, stepTab, tabsFor } from "../src/settings-state.js";

test("an owner sees every tab, anyone else only the account", () => {
  assert.equal(tabsFor(true).length, 14);
  assert.deepEqual(tabsFor(true).find(([key]) => key === "webhooks"), ["webhooks", "Webhooks"]); // issue 21
  assert.deepEqual(tabsFor(true).find(([key]) => key === "teams"), ["teams", "Teams"]); // issue 21
  assert.equal(tabsFor(true)[0][0], "profile");
  assert.deepEqual(tabsFor(false), [["account", "Account"]]);
  assert.equal(initialView(false).selected, "account");
});

test("selecting a tab re-reads it and marks it busy until that very load settles", () => {
  let view = selectTab(initialView(true), "qa");
  assert.equal(view.selected, "qa");
  assert.deepEqual(view.loads, { qa: 1 });
  assert.equal(view.busy.qa, true);
  view = selectTab(view, "qa"); // shown again: read again
  assert.equal(view.loads.qa, 2);
  assert.equal(settled(view, "qa", 1), null); // the superseded load changes nothing
  view = { ...view, ...settled(view, "qa", 2) };
  assert.equal(view.busy.qa, false);
  assert.equal(settled(view, "qa", 2), null); // once
  view = selectTab(view, "team");
  assert.deepEqual(view.loads, { qa: 2, team: 1 });
  assert.equal(view.busy.qa, false);
});

test("the arrow keys, Home and End move along the tabs and wrap", () => {
  const keys = ["a", "b", "c"];
  assert.equal(stepTab(keys, "a", "ArrowDown"), "b");
  assert.equal(stepTab(keys, "a", "ArrowRight"), "b");
  assert.equal(stepTab(keys, "c", "ArrowDown"), "a");
  assert.equal(stepTab(keys, "a", "ArrowUp"), "c");
  assert.equal(stepTab(keys, "b", "ArrowLeft"), "a");
  assert.equal(stepTab(keys, "b", "Home"), "a");
  assert.equal(stepTab(keys, "a", "End"), "c");
  assert.equal(stepTab(keys, "a", "Enter"), null);
});
