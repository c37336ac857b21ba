"""Comparing what a client sends with what the hub expects, in constant time, never raising.

Free of the hub's other modules, so the provider adapters (leaves) can use it too.
"""

from __future__ import annotations

import hmac


def same_secret(given: str, expected: str) -> bool:
    """Whether a client's `given` token, signature or hash is `expected`, in constant time.

    Compared as UTF-8 bytes: `hmac.compare_digest` raises TypeError for a str that is not
    ASCII, and a client may send anything (a header is decoded as Latin-1). `surrogatepass`:
    even a lone surrogate is compared, not raised on."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
