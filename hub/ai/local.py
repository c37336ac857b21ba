"""The offline responder: answers from the company's Q&A pairs and facts, no model needed.

Used when no GROQ_API_KEY is set, so a fresh hub answers out of the box. It streams word
by word like a model, and says plainly when it does not know, offering a human.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from hub.ai.base import Piece, Prompt, ToolCall
from hub.ai.retrieval import rank, tokens

DONT_KNOW = (
    "I'm not sure about that, and I'd rather not guess. "
    "Would you like me to connect you with someone from our team?"
)
HUMAN_WORDS = frozenset({"human", "agent", "person", "someone", "representative"})
WORD_PAUSE = 0.015  # looks like typing; a model streams at about this pace


class LocalReplier:
    async def stream(self, prompt: Prompt) -> AsyncIterator[Piece]:
        question = prompt.question
        if HUMAN_WORDS & set(question.lower().replace("?", " ").split()):
            yield Piece(tool_call=ToolCall("handoff_to_human", {"reason": "visitor asked"}))
            answer = "Of course, I'm bringing in someone from our team now."
        else:
            answer = self.answer(question, prompt.knowledge)
        for i, word in enumerate(answer.split(" ")):
            yield Piece(text=word if i == 0 else " " + word)
            await asyncio.sleep(WORD_PAUSE)
        yield Piece(usage=(len(question.split()), len(answer.split())))

    @staticmethod
    def answer(question: str, knowledge: list[tuple[str, str]]) -> str:
        """The answer of the best-matching Q&A pair (or the best fact), else DONT_KNOW."""
        if not knowledge:
            return DONT_KNOW
        best = rank(question, [f"{q} {a}" for q, a in knowledge], limit=1)
        if not best:
            return DONT_KNOW
        # BM25 scores are not comparable across companies; coverage of the question is.
        asked = set(tokens(question))
        pair = knowledge[best[0][0]]
        covered = asked & set(tokens(f"{pair[0]} {pair[1]}"))
        return pair[1] if len(covered) * 2 >= len(asked) else DONT_KNOW
