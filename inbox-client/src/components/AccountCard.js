// An account page's form card: on submit it checks the form (account-pages.js, formProblem),
// then runs `onSend(body)` with the button disabled and "Working…" meanwhile; what `onSend`
// returns is the status to show (nothing when it leaves the page). `blocked`, a status, keeps
// the form from being sent (an invitation link that no longer works).
import { useEffect, useRef, useState } from "preact/hooks";
import { formBody, formProblem } from "../account-pages.js";
import { AccountStatus } from "./AccountStatus.js";

export function AccountCard({ page, title, submit, values, onSend, blocked, children, footer }) {
  const [status, setStatus] = useState(null);
  const [busy, setBusy] = useState(false);
  const form = useRef(null);
  useEffect(() => form.current.querySelector("input")?.focus(), []);
  const send = async (e) => {
    e.preventDefault();
    const problem = formProblem(page, values);
    if (problem) return setStatus({ text: problem, kind: "error" });
    setBusy(true);
    setStatus({ text: "Working…" });
    try {
      const said = await onSend(formBody(values));
      if (said) setStatus(said);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form ref={form} data-for={page} class="account-card" aria-labelledby={`${page}-title`} onSubmit={send}>
      <h2 id={`${page}-title`}>{title}</h2>
      {children}
      <button type="submit" disabled={busy || Boolean(blocked)}>{submit}</button>
      <AccountStatus status={blocked || status} />
      {footer}
    </form>
  );
}
