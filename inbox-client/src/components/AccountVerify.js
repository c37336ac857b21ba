// Confirm your email (/verify#token=…): sent at once; into the inbox, or why the link failed.
import { useEffect, useState } from "preact/hooks";
import { explain } from "../account-pages.js";
import { post, toInbox } from "../account-post.js";
import { AccountStatus } from "./AccountStatus.js";

export function AccountVerify({ token }) {
  const [failed, setFailed] = useState(null);
  useEffect(() => {
    post("/api/account/verify", { token }).then((r) => (r.ok ? toInbox() : setFailed({ text: explain(r), kind: "error" })));
  }, []);
  return (
    <section data-for="verify" class="account-card" aria-labelledby="verify-title">
      <h2 id="verify-title">{failed ? "This link did not work" : "Confirming your email…"}</h2>
      <AccountStatus status={failed} />
    </section>
  );
}
