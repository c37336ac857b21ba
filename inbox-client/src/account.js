// Settings → Account (every agent): sign out, sign out everywhere else, and the browsers
// signed in as this agent (device, address, last seen) with a Revoke for each.
// docs/protocol.md, "Accounts". ES module, no framework.
import { signOut, signOutOthers } from "./auth.js";

/** Fill the Account panel from GET /api/sessions. */
export async function mountAccount(panel, { request, explain, el }) {
  const got = await request("GET", "/api/sessions");
  const status = el("p", { className: "set-status", role: "status" });
  const heading = el("h3", { textContent: "Account", tabIndex: -1 });
  if (!got.ok) { panel.replaceChildren(heading, el("p", { role: "alert", textContent: explain(got) })); return; }
  const again = async (text) => { await mountAccount(panel, { request, explain, el }); panel.querySelector(":scope > .set-status").textContent = text; };
  const out = el("button", { type: "button", textContent: "Sign out" });
  out.addEventListener("click", () => signOut());
  const others = el("button", { type: "button", textContent: "Sign out everywhere else", className: "set-danger" });
  others.addEventListener("click", async () => {
    others.disabled = true;
    await again((await signOutOthers()) ? "Signed out everywhere else." : "Could not sign out the other devices.");
  });
  const rows = got.body.sessions.map((s) => {
    const device = [s.browser, s.device && `on ${s.device}`].filter(Boolean).join(" ") || "Unknown device";
    let cell = el("td", { textContent: "This browser" });
    if (!s.current) {
      const revoke = el("button", { type: "button", textContent: "Revoke" });
      revoke.setAttribute("aria-label", `Revoke ${device}, last seen ${new Date(s.last_seen_at).toLocaleString()}`);
      revoke.addEventListener("click", async () => {
        revoke.disabled = true;
        const result = await request("DELETE", `/api/sessions/${encodeURIComponent(s.id)}`);
        await again(result.ok ? `Signed out ${device}.` : explain(result));
      });
      cell = el("td", {}, revoke);
    }
    const row = el("tr", {}, el("td", { textContent: device }), el("td", { textContent: s.address || "—" }),
      el("td", { textContent: new Date(s.last_seen_at).toLocaleString() }), cell);
    if (s.current) row.dataset.current = "true";
    return row;
  });
  const table = el("table", { className: "set-table" }, el("caption", { className: "sr-only", textContent: "Signed-in browsers" }),
    el("thead", {}, el("tr", {}, ...["Device", "Address", "Last seen", ""].map((t) => el("th", { scope: "col", textContent: t })))),
    el("tbody", {}, ...rows));
  const hint = rows.length ? null : el("p", { className: "set-hint", textContent: "Signed in with a token: no browser session to list." });
  panel.replaceChildren(heading, status, el("div", { className: "set-actions" }, out, others),
    el("h4", { textContent: "Signed-in browsers" }), table, hint);
}
