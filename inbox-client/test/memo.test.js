// memo's comparison, without a browser: a Memo instance skips a redraw with the same props.
import { test } from "node:test";
import assert from "node:assert/strict";
import { memo } from "../src/memo.js";

test("a memoized component redraws only when a prop changed", () => {
  const Row = memo(function Row() { return null; });
  const instance = {};
  const conv = { id: "a" };
  Row.call(instance, { conv, current: false });
  instance.props = { conv, current: false };
  assert.equal(instance.shouldComponentUpdate({ conv, current: false }), false);
  assert.equal(instance.shouldComponentUpdate({ conv: { id: "a" }, current: false }), true);
  assert.equal(instance.shouldComponentUpdate({ conv, current: true }), true);
  assert.equal(instance.shouldComponentUpdate({ conv }), true, "a prop gone is a change");
});
