"""Words and BM25 over a company's Q&A pairs and facts: the few most relevant pairs enter a
model's prompt, and the offline responder answers from the best match."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

# The Snowball English stemmer, so "opening", "opened" and "opens" all match "open", and
# "hours" matches "hour". A standard algorithm with many subtle rules: not worth writing.
import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
# Snowball's English stop list (the words with no topic of their own), then the words
# visitors wrap a question in ("can you tell me", "please", "hi", "contact us").
_STOP_WORDS = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom this
that these those am is are was were be been being have has had having do does did doing would
should could ought i'm you're he's she's it's we're they're i've you've we've they've i'd
you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't
weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't
cannot couldn't mustn't let's that's who's what's here's there's when's where's why's how's a
an the and but if or because as until while of at by for with about against between into
through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some
such no nor not only own same so than too very
us can will may might must shall please tell know like want wonder wondering just also
hi hello hey thanks thank ok okay yes
"""
STOP = frozenset(_STOP_WORDS.split())
_STEMMER = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """The lower-case words of `text`, apostrophes kept ("what's", "don't")."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


# Pure Python, about 30 µs a word: cached, since visitors' and companies' vocabulary is small.
@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


# A company's pairs are ranked again for every message, on the event loop: each is counted
# once (2,000 pairs: ~50 ms a message uncounted, ~7 ms counted; bench/retrieval.py), for
# about 1.5 KiB a document, so at most ~6 MiB a process.
@functools.lru_cache(maxsize=4096)
def counted(document: str) -> Mapping[str, int]:
    """The document's tokens and how often each occurs (shared: do not change it)."""
    return Counter(tokens(document))


def tokens(text: str) -> list[str]:
    """The stems of the words that carry a topic, in order: what BM25 matches."""
    return [stem(w) for w in words(text) if w not in STOP]


def rank(
    query: str, documents: Sequence[str], limit: int, k1: float = 1.2, b: float = 0.75
) -> list[tuple[int, float]]:
    """(index, score) of the `limit` best documents with a positive score, best first."""
    return bm25(set(tokens(query)), [counted(d) for d in documents], limit, k1, b)


def bm25(
    terms: Collection[str],
    docs: Sequence[Mapping[str, int]],
    limit: int,
    k1: float = 1.2,
    b: float = 0.75,
) -> list[tuple[int, float]]:
    """`rank` over documents already counted as tokens."""
    if not terms or not docs:
        return []
    avg = sum(sum(d.values()) for d in docs) / len(docs) or 1.0
    df = Counter(t for d in docs for t in terms if t in d)
    n = len(docs)
    scores = []
    for i, d in enumerate(docs):
        length = sum(d.values())
        score = 0.0
        for t in terms:
            f = d.get(t, 0)
            if f:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length / avg))
        if score > 0:
            scores.append((i, score))
    scores.sort(key=lambda pair: -pair[1])
    return scores[:limit]
