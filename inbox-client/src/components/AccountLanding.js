// The landing page (/): what the hub is, Sign up and Sign in.

export function AccountLanding() {
  return (
    <section data-for="landing" class="account-card" aria-labelledby="landing-title">
      <h2 id="landing-title">Answer every customer, on every channel, in one inbox</h2>
      <p>Website chat, SMS and WhatsApp with an AI that answers first and hands over to your team.</p>
      <p class="account-actions"><a class="account-button" href="/signup">Sign up</a> <a href="/login">Sign in</a></p>
    </section>
  );
}
