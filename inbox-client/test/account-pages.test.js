import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PAGES, RESET_DONE, explain, formBody, formProblem, forgotSent, inviteAbout, linkToken, pageOf, signupSent,
  skipsWhenSignedIn,
} from "../src/account-pages.js";

test("the page is the one the hub named, else the path's, else the landing page", () => {
  assert.equal(pageOf("reset", "/"), "reset");
  assert.equal(pageOf("{{PAGE}}", "/signup"), "signup");
  assert.equal(pageOf(undefined, "/login/"), "login");
  assert.equal(pageOf(undefined, "/invite"), "invite");
  assert.equal(pageOf(undefined, "/"), "landing");
  assert.equal(pageOf(undefined, "/nowhere"), "landing");
  assert.deepEqual(PAGES, ["landing", "signup", "login", "forgot", "reset", "verify", "invite"]);
  assert.deepEqual(PAGES.filter(skipsWhenSignedIn), ["signup", "login"]);
});

test("a link's secret is read from the fragment", () => {
  assert.equal(linkToken("#token=abc-123_x"), "abc-123_x");
  assert.equal(linkToken("token=abc"), "abc");
  assert.equal(linkToken("#other=1&token=t%2Bv"), "t+v");
  assert.equal(linkToken(""), "");
  assert.equal(linkToken("#nothing"), "");
});

test("fields are sent trimmed, a password as typed", () => {
  assert.deepEqual(formBody({ company: " Acme ", email: " a@b.c\n", password: "  spaced out  " }),
    { company: "Acme", email: "a@b.c", password: "  spaced out  " });
});

test("sign-up needs a company, a name, an email and a password of 8 to 128 characters", () => {
  const good = { company: "Acme", name: "Ada", email: "ada@acme.example", password: "correct horse" };
  assert.equal(formProblem("signup", good), null);
  assert.equal(formProblem("signup", { ...good, company: "   " }), "Enter your company's name.");
  assert.equal(formProblem("signup", { ...good, name: "" }), "Enter your name.");
  assert.equal(formProblem("signup", { ...good, email: " " }), "Enter your email.");
  assert.equal(formProblem("signup", { ...good, email: "ada at acme" }), "Enter an email address like name@example.com.");
  assert.equal(formProblem("signup", { ...good, password: "seven77" }), "Choose a password of at least 8 characters.");
  assert.equal(formProblem("signup", { ...good, password: "x".repeat(128) }), null);
  assert.equal(formProblem("signup", { ...good, password: "x".repeat(129) }), "Choose a password of at most 128 characters.");
});

test("sign-in takes any password but not none; reset and invite choose a new one", () => {
  assert.equal(formProblem("login", { email: "a@b.c", password: "short" }), null);
  assert.equal(formProblem("login", { email: "a@b.c", password: "" }), "Enter your password.");
  assert.equal(formProblem("login", { email: "", password: "x" }), "Enter your email.");
  assert.equal(formProblem("forgot", { email: "a@b.c" }), null);
  assert.equal(formProblem("forgot", { email: "nope" }), "Enter an email address like name@example.com.");
  assert.equal(formProblem("reset", { password: "1234567" }), "Choose a password of at least 8 characters.");
  assert.equal(formProblem("reset", { password: "12345678" }), null);
  assert.equal(formProblem("invite", { name: " ", password: "long enough" }), "Enter your name.");
  assert.equal(formProblem("invite", { name: "Eve", password: "short" }), "Choose a password of at least 8 characters.");
  assert.equal(formProblem("invite", { name: "Eve", password: "long enough" }), null);
});

test("the hub's refusals in our words, else its own, else the status", () => {
  assert.equal(explain({ code: "invalid_credentials", message: "no" }), "Wrong email or password.");
  assert.equal(explain({ code: "invalid_link" }), "This link is used, expired or withdrawn. Ask for a new one.");
  assert.equal(explain({ code: "rate_limited" }), "Too many attempts. Wait a little and try again.");
  assert.equal(explain({ code: "csrf" }), "This page is out of date; reload it and try again.");
  assert.equal(explain({ code: "bad_request", message: "password: too short" }), "password: too short");
  assert.equal(explain({ code: "network", message: "Could not reach the hub: offline" }), "Could not reach the hub: offline");
  assert.equal(explain({ status: 502 }), "The hub answered HTTP 502.");
});

test("what each page says when it worked", () => {
  assert.equal(signupSent("ada@acme.example"),
    "Check your email: we sent a link to ada@acme.example to confirm it. It works for 24 hours.");
  assert.match(forgotSent("ada@acme.example"), /^If an account uses ada@acme\.example, .* is on its way\. It works for an hour\.$/);
  assert.match(RESET_DONE, /^Password changed/);
  assert.equal(inviteAbout({ company: "Acme", email: "eve@acme.example", role: "agent" }),
    "Acme invites eve@acme.example to join as an agent.");
  assert.equal(inviteAbout({ company: "Acme", email: "eve@acme.example", role: "owner" }),
    "Acme invites eve@acme.example to join as an owner.");
});
