"""The offline responder against the demo company's seeded knowledge, and the retrieval
beneath it."""

from __future__ import annotations

from hub.ai.retrieval import rank, tokens


def test_word_forms_match() -> None:
    assert tokens("What are your opening hours?") == tokens("opened hour")
    assert tokens("installation installs installed") == tokens("install") * 3
    documents = ["Closed on Sundays", "We opened in 2010", "Solar panels"]
    assert [i for i, _ in rank("When do you open?", documents, limit=3)] == [1]
