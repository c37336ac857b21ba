import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PALETTE, stale, chipColours, contrast, filterParams, filtered, keptFilter, labelIds, matching, passes, priorityText, toggled,
} from "../src/labels-state.js";

const billing = { id: "l1", name: "billing", colour: "#b91c1c" };
const vip = { id: "l2", name: "VIP", colour: "#fde047" };
const convs = [
  { id: "a", labels: [billing], priority: "high" },
  { id: "b", labels: [billing, vip], priority: "none" },
  { id: "c", labels: [], priority: "urgent" },
  { id: "d" }, // from an older hub: no labels, no priority
];

test("the filter keeps conversations with the label and of the priority", () => {
  assert.deepEqual(filtered(convs, { label: "l1", priority: "" }).map((c) => c.id), ["a", "b"]);
  assert.deepEqual(filtered(convs, { label: "", priority: "none" }).map((c) => c.id), ["b", "d"]);
  assert.deepEqual(filtered(convs, { label: "l1", priority: "high" }).map((c) => c.id), ["a"]);
  assert.equal(filtered(convs, { label: "", priority: "" }), convs);
  assert.equal(passes(null, convs[3]), true);
});

test("the filter becomes the list's query parameters", () => {
  assert.equal(filterParams({ label: "l1", priority: "urgent" }, new URLSearchParams({ status: "open" })).toString(),
    "status=open&label=l1&priority=urgent");
  assert.equal(filterParams({ label: "", priority: "" }).toString(), "");
});

test("a deleted label's filter falls back to every label", () => {
  assert.deepEqual(keptFilter({ label: "gone", priority: "low" }, [billing]), { label: "", priority: "low" });
  const kept = { label: "l1", priority: "" };
  assert.equal(keptFilter(kept, [billing]), kept);
});

test("the picker toggles ids and finds labels by any part of the name", () => {
  assert.deepEqual(labelIds(convs[1]), ["l1", "l2"]);
  assert.deepEqual(toggled(["l1"], "l2"), ["l1", "l2"]);
  assert.deepEqual(toggled(["l1", "l2"], "l1"), ["l2"]);
  assert.deepEqual(matching([vip, billing], "").map((l) => l.id), ["l1", "l2"]);
  assert.deepEqual(matching([vip, billing], " ip ").map((l) => l.id), ["l2"]);
});

test("chips read at WCAG AA on every palette colour, and pick dark text on light colours", () => {
  for (const colour of Object.values(PALETTE)) {
    const { background, color } = chipColours(colour);
    assert.equal(color, "#ffffff", colour);
    assert.ok(contrast(background, color) >= 4.5, `${colour}: ${contrast(background, color)}`);
  }
  assert.equal(chipColours("#FDE047").color, "#111318");
  assert.ok(contrast("#fde047", "#111318") >= 4.5);
  assert.equal(chipColours("not a colour").background, PALETTE.grey);
});

test("a label the catalogue does not hold as shown makes it stale", () => {
  assert.equal(stale([billing, vip], convs[1]), false);
  assert.equal(stale([billing], convs[1]), true);
  assert.equal(stale([{ ...billing, name: "invoices" }], convs[0]), true);
  assert.equal(stale([], convs[3]), false);
});

test("priorities have words", () => {
  assert.equal(priorityText("urgent"), "Urgent");
  assert.equal(priorityText(undefined), "No priority");
});
