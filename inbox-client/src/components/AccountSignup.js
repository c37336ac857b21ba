// Sign-up (/signup): the company and its owner; the hub mails a link to confirm the email.
import { useState } from "preact/hooks";
import { explain, signupSent } from "../account-pages.js";
import { post } from "../account-post.js";
import { AccountCard } from "./AccountCard.js";
import { AccountInput } from "./AccountInput.js";

export function AccountSignup() {
  const [values, setValues] = useState({ company: "", name: "", email: "", password: "" });
  const send = async (body) => {
    const r = await post("/api/account/signup", body);
    if (!r.ok) return { text: explain(r), kind: "error" };
    setValues((v) => ({ ...v, password: "" }));
    return { text: signupSent(body.email), kind: "ok" };
  };
  const field = { page: "signup", values, onValues: setValues };
  return (
    <AccountCard page="signup" title="Create your company's account" submit="Sign up" values={values} onSend={send}
      footer={<p>Already have an account? <a href="/login">Sign in</a></p>}>
      <AccountInput {...field} name="company" label="Company name" required maxLength={200} autocomplete="organization" />
      <AccountInput {...field} name="name" label="Your name" required maxLength={200} autocomplete="name" />
      <AccountInput {...field} name="email" label="Email" type="email" required maxLength={320} autocomplete="email" />
      <AccountInput {...field} name="password" label="Password" type="password" required minLength={8} maxLength={128}
        autocomplete="new-password" hint="At least 8 characters; a few words make a good one." />
    </AccountCard>
  );
}
