// An account page's status line: what is happening or what happened, with a link where the
// next step is another page ("Sign in" after a reset).

/** `status`: {text, kind ("ok" | "error" | none), link: {href, text}?} or null. */
export function AccountStatus({ status }) {
  return (
    <p class="account-status" role="status" data-kind={status?.kind || undefined}>
      {status?.text}
      {status?.link && <a href={status.link.href}>{status.link.text}</a>}
    </p>
  );
}
