// Forgot your password (/forgot): the hub mails a reset link (one answer for every email).
import { useState } from "preact/hooks";
import { explain, forgotSent } from "../account-pages.js";
import { post } from "../account-post.js";
import { AccountCard } from "./AccountCard.js";
import { AccountInput } from "./AccountInput.js";

export function AccountForgot() {
  const [values, setValues] = useState({ email: "" });
  const send = async (body) => {
    const r = await post("/api/account/forgot", body);
    return r.ok ? { text: forgotSent(body.email), kind: "ok" } : { text: explain(r), kind: "error" };
  };
  return (
    <AccountCard page="forgot" title="Forgot your password" submit="Send the link" values={values} onSend={send}
      footer={<p><a href="/login">Back to sign in</a></p>}>
      <p>We will mail you a link to choose a new one.</p>
      <AccountInput page="forgot" values={values} onValues={setValues} name="email" label="Email" type="email"
        required maxLength={320} autocomplete="email" />
    </AccountCard>
  );
}
