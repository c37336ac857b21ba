// The account pages' entry point (hub/static/account.html; built into hub/static/account.js):
// sign-up, sign-in, forgot / reset, email verification and invitation acceptance, one page per
// path (docs/protocol.md, Accounts). The hub names the page in the body's data-page.
import { render } from "preact";
import { linkToken, pageOf } from "./account-pages.js";
import { AccountPages } from "./components/AccountPages.js";

const page = pageOf(document.body.dataset.page, location.pathname);
// A link's secret arrives in the fragment; it is taken out of the address bar at once.
const token = linkToken(location.hash);
if (location.hash) history.replaceState(null, "", location.pathname);

render(<AccountPages page={page} token={token} />, document.getElementById("account"));
