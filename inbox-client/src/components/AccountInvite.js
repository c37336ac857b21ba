// Join your team (/invite#token=…): who invites whom, as what, then a name and a password.
import { useEffect, useState } from "preact/hooks";
import { explain, inviteAbout } from "../account-pages.js";
import { post, toInbox } from "../account-post.js";
import { AccountCard } from "./AccountCard.js";
import { AccountInput } from "./AccountInput.js";

export function AccountInvite({ token }) {
  const [values, setValues] = useState({ name: "", password: "" });
  const [about, setAbout] = useState("");
  const [refused, setRefused] = useState(null);
  useEffect(() => {
    post("/api/account/invitation", { token }).then((r) =>
      r.ok ? setAbout(inviteAbout(r.body)) : setRefused({ text: explain(r), kind: "error" }));
  }, []);
  const send = async (body) => {
    const r = await post("/api/account/accept", { token, ...body });
    if (r.ok) return toInbox();
    return { text: explain(r), kind: "error" };
  };
  const field = { page: "invite", values, onValues: setValues };
  return (
    <AccountCard page="invite" title="Join your team" submit="Join" values={values} onSend={send} blocked={refused}>
      <p id="invite-about" class="account-hint">{about}</p>
      <AccountInput {...field} name="name" label="Your name" required maxLength={200} autocomplete="name" />
      <AccountInput {...field} name="password" label="Password" type="password" required minLength={8} maxLength={128}
        autocomplete="new-password" />
    </AccountCard>
  );
}
