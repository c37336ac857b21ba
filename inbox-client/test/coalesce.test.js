import { test } from "node:test";
import assert from "node:assert/strict";
import { coalesce } from "../src/coalesce.js";

test("calls during a run make exactly one more run, and all wait for it", async () => {
  let runs = 0;
  let release;
  const run = coalesce(async () => {
    runs += 1;
    if (runs === 1) await new Promise((r) => { release = r; });
  });
  const first = run();
  const second = run();
  const third = run();
  assert.equal(runs, 1); // the others wait for the first
  release();
  await Promise.all([first, second, third]);
  assert.equal(runs, 2); // two asked meanwhile: one more run
  await run();
  assert.equal(runs, 3); // idle again: a call runs at once
});

test("a failed run frees the way for the next call", async () => {
  let runs = 0;
  const run = coalesce(async () => { runs += 1; if (runs === 1) throw new Error("boom"); });
  await assert.rejects(run(), /boom/);
  await run();
  assert.equal(runs, 2);
});
