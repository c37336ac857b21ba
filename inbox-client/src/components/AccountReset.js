// Choose a new password (/reset#token=…): every session of the account ends.
import { useState } from "preact/hooks";
import { RESET_DONE, explain } from "../account-pages.js";
import { post } from "../account-post.js";
import { AccountCard } from "./AccountCard.js";
import { AccountInput } from "./AccountInput.js";

export function AccountReset({ token }) {
  const [values, setValues] = useState({ password: "" });
  const send = async ({ password }) => {
    const r = await post("/api/account/reset", { token, password });
    if (!r.ok) return { text: explain(r), kind: "error" };
    setValues({ password: "" });
    return { text: RESET_DONE, kind: "ok", link: { href: "/login", text: "Sign in" } };
  };
  return (
    <AccountCard page="reset" title="Choose a new password" submit="Save the password" values={values} onSend={send}>
      <AccountInput page="reset" values={values} onValues={setValues} name="password" label="New password"
        type="password" required minLength={8} maxLength={128} autocomplete="new-password" />
    </AccountCard>
  );
}
