import { test } from "node:test";
import assert from "node:assert/strict";
import { ERRORS, MAX_BYTES, checkName, errorText, fileProblem, initial } from "../src/profile-state.js";

test("a name is trimmed, and a blank one is refused", () => {
  assert.deepEqual(checkName("  Olga  "), { name: "Olga" });
  assert.deepEqual(checkName("   "), { error: "Enter a name (at most 200 characters, one line)." });
  assert.deepEqual(checkName(""), { error: ERRORS.bad_request });
});

test("only a PNG, JPEG, WebP or GIF of at most 1 MB may be a picture", () => {
  assert.equal(fileProblem({ type: "image/png", size: 10 }), null);
  assert.equal(fileProblem({ type: "image/gif", size: MAX_BYTES }), null);
  assert.equal(fileProblem({ type: "text/plain", size: 10 }), "That is not a PNG, JPEG, WebP or GIF image.");
  assert.equal(fileProblem({ type: "image/svg+xml", size: 10 }), ERRORS.unsupported_type);
  assert.equal(fileProblem({ type: "image/jpeg", size: MAX_BYTES + 1 }), "That image is over 1 MB.");
});

test("the hub's refusals are put in our words where we have some", () => {
  assert.equal(errorText({ code: "too_large", message: "Payload too large" }), ERRORS.too_large);
  assert.equal(errorText({ code: "rate_limited", message: "Slow down" }), "Slow down");
  assert.equal(errorText({ message: "Could not reach the hub: offline" }), "Could not reach the hub: offline");
});

test("an avatar without a picture shows the name's first character", () => {
  assert.equal(initial("olga"), "O");
  assert.equal(initial("  ana lima"), "A");
  assert.equal(initial("émile"), "É");
  assert.equal(initial("😀 Smile"), "😀"); // a whole code point, not half a surrogate pair
  assert.equal(initial(""), "?");
  assert.equal(initial(null), "?");
  assert.equal(initial("   "), "?");
});
