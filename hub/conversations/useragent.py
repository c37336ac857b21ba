"""Browser and device names read from a User-Agent header (enough for an agent's eyes)."""

from __future__ import annotations

import re

# Order matters: Edge and Opera also say Chrome; Chrome also says Safari.
_BROWSERS = (
    ("Bot", re.compile(r"bot|crawl|spider|slurp|headless", re.I)),
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
)
_TABLET = re.compile(r"iPad|Tablet|Android(?!.*Mobile)", re.I)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android.*Mobile|Windows Phone", re.I)


def describe(user_agent: str | None) -> tuple[str | None, str | None]:
    """Return (browser, device): device is `desktop`, `mobile`, `tablet` or `bot`."""
    if not user_agent:
        return None, None
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), "Other")
    if browser == "Bot":
        return browser, "bot"
    if _TABLET.search(user_agent):
        return browser, "tablet"
    if _MOBILE.search(user_agent):
        return browser, "mobile"
    return browser, "desktop"
