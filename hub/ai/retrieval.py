"""BM25 over a company's Q&A pairs and facts: the few most relevant enter the prompt."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = (
    "a an and are as at be by can do does for from how i in is it me my of on or our "
    "the to we what when where which who why will with you your"
)
_STOP = frozenset(_STOP_WORDS.split())


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def rank(
    query: str, documents: Sequence[str], limit: int, k1: float = 1.2, b: float = 0.75
) -> list[tuple[int, float]]:
    """(index, score) of the `limit` best documents with a positive score, best first."""
    terms = set(tokens(query))
    if not terms or not documents:
        return []
    docs = [Counter(tokens(d)) for d in documents]
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
