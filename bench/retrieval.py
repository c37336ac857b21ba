"""Retrieval cost per visitor message: BM25 with stemmed words over a company's Q&A pairs.

    python -m bench.retrieval --pairs 2000 --queries 50

Every AI reply ranks all of the company's pairs (`prompts.relevant_pairs`, for the prompt),
then the offline responder ranks the chosen 8 and the facts (`local.answer`). Pairs and
questions are made of a synthetic vocabulary (seeded, `--vocabulary` words of 3-4 syllables
with English endings), so the stemmer sees as many distinct words as a real company's
knowledge. The first query runs on empty caches (stems, counted documents); the median is
over the rest. It also prints what the caches hold after one query (tracemalloc).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable

from hub.ai import prompts, retrieval
from hub.ai.local import answer

SYLLABLES = ["so", "lar", "pan", "el", "in", "stal", "ba", "te", "ry", "war", "ran", "ty", "fi"]
ENDINGS = ["", "s", "ing", "ed", "ation", "er", "ly"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    stems = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))) for _ in range(size)]
    return [stem + rng.choice(ENDINGS) for stem in stems]


def sentence(rng: random.Random, words: list[str], low: int, high: int) -> str:
    return " ".join(rng.choices(words, k=rng.randint(low, high))).capitalize() + "."


def timed(call: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    """(first call, median of the others) in milliseconds."""
    times = []
    for query in queries:
        started = time.perf_counter()
        call(query)
        times.append((time.perf_counter() - started) * 1000)
    return times[0], statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--facts", type=int, default=20)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--vocabulary", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(13)
    words = vocabulary(rng, args.vocabulary)
    pairs = [(sentence(rng, words, 6, 12), sentence(rng, words, 12, 30)) for _ in range(args.pairs)]
    facts = [sentence(rng, words, 5, 10) for _ in range(args.facts)]
    queries = [sentence(rng, words, 4, 12) for _ in range(args.queries)]
    retrieval.stem.cache_clear()
    retrieval.counted.cache_clear()
    tracemalloc.start()
    prompts.relevant_pairs(queries[0], pairs)  # fills the caches: what do they hold?
    cached_kib = tracemalloc.get_traced_memory()[0] / 1024
    tracemalloc.stop()
    retrieval.stem.cache_clear()
    retrieval.counted.cache_clear()
    rank_first, rank_median = timed(lambda q: prompts.relevant_pairs(q, pairs), queries)

    def offline(query: str) -> str:
        knowledge = prompts.relevant_pairs(query, pairs) + [(f, f) for f in facts]
        return answer(query, knowledge)

    answer_first, answer_median = timed(offline, queries)
    print(f"{args.pairs} pairs, {args.facts} facts, {args.queries} queries, {len(words)} words")
    print("| step | first query (empty caches), ms | median, ms |")
    print("| --- | --- | --- |")
    print(f"| relevant_pairs | {rank_first:.1f} | {rank_median:.1f} |")
    print(f"| relevant_pairs + answer | {answer_first:.1f} | {answer_median:.1f} |")
    print(f"stem cache: {retrieval.stem.cache_info()}")
    print(f"document cache: {retrieval.counted.cache_info()}")
    print(f"both caches after one query: {cached_kib:.0f} KiB")


if __name__ == "__main__":
    main()
