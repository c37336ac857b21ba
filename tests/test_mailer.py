"""Mail goes out over SMTP when configured (a real server on 127.0.0.1), to the log when not."""

from __future__ import annotations

import pytest

from hub.runtime.mailer import LogMailer, Mail, MailError, SmtpMailer, SmtpServer, make_mailer
from hub.settings import Settings, SettingsError
from tests.support.processes import free_port
from tests.support.smtp import smtp_server


async def test_smtp_mailer_delivers_to_a_real_server() -> None:
    async with smtp_server() as (url, inbox):
        mailer = make_mailer(url, "Hub <hub@example.test>")
        await mailer.send(Mail("ana@example.test", "Welcome", "Your link: https://x.test/a"))
        (mail,) = await inbox.wait(1)
    assert mail["To"] == "ana@example.test" and mail["Subject"] == "Welcome"
    assert mail["From"] == "Hub <hub@example.test>"
    assert "https://x.test/a" in mail.get_content()


async def test_an_unreachable_server_is_a_mail_error() -> None:
    url = f"smtp://127.0.0.1:{free_port()}?starttls=false"
    mailer = SmtpMailer(SmtpServer.from_url(url), "hub@example.test")
    with pytest.raises(MailError):
        await mailer.send(Mail("ana@example.test", "Hello", "text"))


async def test_without_smtp_the_mail_is_logged_and_kept(caplog: pytest.LogCaptureFixture) -> None:
    mailer = make_mailer(None, "hub@example.test")
    assert isinstance(mailer, LogMailer)
    with caplog.at_level("INFO", logger="hub.mail"):
        await mailer.send(Mail("ana@example.test", "Reset", "https://x.test/reset"))
    assert mailer.sent[-1].to == "ana@example.test"
    assert "https://x.test/reset" in caplog.text


def test_smtp_urls_are_read_and_checked() -> None:
    server = SmtpServer.from_url("smtps://me%40x.test:p%3Ass@mail.x.test")
    assert (server.host, server.port, server.implicit_tls) == ("mail.x.test", 465, True)
    assert (server.username, server.password) == ("me@x.test", "p:ss")
    assert SmtpServer.from_url("smtp://mail.x.test?starttls=true").port == 587
    settings = Settings.from_env({"HUB_SMTP_URL": "smtp://mail.x.test:2525"})
    assert settings.smtp_url is not None and "2525" in settings.smtp_url.reveal()
    with pytest.raises(SettingsError, match="HUB_SMTP_URL"):
        Settings.from_env({"HUB_SMTP_URL": "mail.x.test"})
