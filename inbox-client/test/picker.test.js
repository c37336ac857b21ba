// The "/" canned-response picker's logic, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CLOSED, insertCanned, movePicker, pickerQuery, updatePicker } from "../src/picker.js";

const canned = [{ shortcut: "hours", text: "We open at 9." }, { shortcut: "hello", text: "Hi!" },
  { shortcut: "price", text: "It costs 10." }];

test("a slash at the start or after a space opens the query; inside a word it does not", () => {
  assert.deepEqual(pickerQuery("/ho", 3), { start: 0, query: "ho" });
  assert.deepEqual(pickerQuery("see /H", 6), { start: 4, query: "h" });
  assert.equal(pickerQuery("a/b", 3), null);
  assert.equal(pickerQuery("/ho now", 7), null);
});

test("the list filters by shortcut, keeps its row where it can, and closes on no match", () => {
  let pick = updatePicker(CLOSED, canned, "/h", 2);
  assert.deepEqual(pick.items.map((r) => r.shortcut), ["hours", "hello"]);
  pick = movePicker(pick, 1);
  assert.equal(pick.index, 1);
  pick = updatePicker(pick, canned, "/he", 3);
  assert.equal(pick.index, 0, "only one row left");
  assert.equal(updatePicker(pick, canned, "/x", 2), CLOSED);
  assert.equal(updatePicker(CLOSED, [], "/h", 2), CLOSED);
});

test("arrows wrap; choosing puts the text where the /word was", () => {
  let pick = updatePicker(CLOSED, canned, "ok /", 4);
  assert.equal(pick.items.length, 3);
  pick = movePicker(pick, -1);
  assert.equal(pick.index, 2);
  assert.deepEqual(insertCanned(pick, pick.index, "ok / later", 4), { value: "ok It costs 10. later", caret: 15 });
  assert.equal(insertCanned(pick, 9, "", 0), null);
});
