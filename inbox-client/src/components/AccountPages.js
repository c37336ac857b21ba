// The account pages' one component: the page the path names. Sign-in and sign-up go straight
// to the inbox when this browser is signed in already.
import { useEffect } from "preact/hooks";
import { skipsWhenSignedIn } from "../account-pages.js";
import { signedIn, toInbox } from "../account-post.js";
import { AccountForgot } from "./AccountForgot.js";
import { AccountInvite } from "./AccountInvite.js";
import { AccountLanding } from "./AccountLanding.js";
import { AccountLogin } from "./AccountLogin.js";
import { AccountReset } from "./AccountReset.js";
import { AccountSignup } from "./AccountSignup.js";
import { AccountVerify } from "./AccountVerify.js";

const PAGES = {
  landing: AccountLanding, signup: AccountSignup, login: AccountLogin, forgot: AccountForgot,
  reset: AccountReset, verify: AccountVerify, invite: AccountInvite,
};

/** `page`: one of account-pages.js's PAGES; `token`: the link's secret, if any. */
export function AccountPages({ page, token }) {
  useEffect(() => {
    if (skipsWhenSignedIn(page)) signedIn().then((yes) => yes && toInbox());
  }, [page]);
  const Page = PAGES[page];
  return <Page token={token} />;
}
