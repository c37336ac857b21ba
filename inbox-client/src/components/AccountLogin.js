// Sign-in (/login): email and password; the hub's session cookie, then the inbox.
import { useState } from "preact/hooks";
import { explain } from "../account-pages.js";
import { post, toInbox } from "../account-post.js";
import { AccountCard } from "./AccountCard.js";
import { AccountInput } from "./AccountInput.js";

export function AccountLogin() {
  const [values, setValues] = useState({ email: "", password: "" });
  const send = async (body) => {
    const r = await post("/api/account/signin", body);
    if (r.ok) return toInbox();
    setValues((v) => ({ ...v, password: "" }));
    return { text: explain(r), kind: "error" };
  };
  const field = { page: "login", values, onValues: setValues };
  return (
    <AccountCard page="login" title="Sign in" submit="Sign in" values={values} onSend={send}
      footer={<p><a href="/forgot">Forgot your password?</a> · <a href="/signup">Sign up</a></p>}>
      <AccountInput {...field} name="email" label="Email" type="email" required maxLength={320} autocomplete="username" />
      <AccountInput {...field} name="password" label="Password" type="password" required maxLength={512}
        autocomplete="current-password" />
    </AccountCard>
  );
}
