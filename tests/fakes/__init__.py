"""Local fake providers (Twilio, Kapso) that the real SDKs talk to, and signed webhook senders.

Only what tests import; every name is documented in its module.
"""

from tests.fakes.kapso import FakeKapso, kapso_client
from tests.fakes.serve import serve
from tests.fakes.twilio import FakeTwilio, twilio_client

__all__ = ["FakeKapso", "FakeTwilio", "kapso_client", "serve", "twilio_client"]
