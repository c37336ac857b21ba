"""The offline responder: answers from the company's Q&A pairs and facts, no model needed.

Used when no GROQ_API_KEY is set, so a fresh hub answers out of the box. It streams word
by word like a model, and says plainly when it does not know, offering a human.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence

from hub.ai.base import Piece, Prompt, ToolCall
from hub.ai.prompts import only_files
from hub.ai.retrieval import bm25, counted, stem, tokens, words

DONT_KNOW = (
    "I'm not sure about that, and I'd rather not guess. "
    "Would you like me to connect you with someone from our team?"
)
HANDOFF = "Of course, I'm bringing in someone from our team now."
FILE_RECEIVED = (
    "Thanks, I've got your file. I can't open files myself, so a teammate will look at it."
)
GREETING = "Hello! How can I help you today? Ask me anything, or I can connect you with our team."
THANKS = "You're welcome! Is there anything else I can help with?"
DECLINED = "All right. Is there anything else I can help with?"
WORD_PAUSE = 0.015  # looks like typing; a model streams at about this pace


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Any form of these words asks for a person ("agents", "humans", "representatives").
HUMAN_STEMS = frozenset(map(stem, _set("human agent person someone representative")))
GREETINGS = _set("hi hello hey hiya howdy greetings good morning afternoon evening there")
THANKS_WORDS = _set("thanks thank cheers")
POLITE = _set("you so very much lot a that's great helpful perfect ok okay no")
YES = _set("yes yeah yep yup sure please ok okay")
NO = _set("no nope nah not now")
# Ends like a sentence: a stop, "!", "?" or "…", maybe inside a quote or a bracket.
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")


class LocalReplier:
    async def stream(self, prompt: Prompt) -> AsyncIterator[Piece]:
        answer, reason = self.reply(prompt)
        if reason is not None:
            yield Piece(tool_call=ToolCall("handoff_to_human", {"reason": reason}))
        for i, word in enumerate(answer.split(" ")):
            yield Piece(text=word if i == 0 else " " + word)
            await asyncio.sleep(WORD_PAUSE)
        yield Piece(usage=(len(prompt.question.split()), len(answer.split())))

    @staticmethod
    def reply(prompt: Prompt) -> tuple[str, str | None]:
        """The answer to the latest message, and why to hand over (None: no handoff)."""
        said = frozenset(words(prompt.question))
        if not said and _latest_is_files(prompt.messages):
            return FILE_RECEIVED, "visitor sent a file"
        if HUMAN_STEMS & {stem(w) for w in said}:
            return HANDOFF, "visitor asked"
        if said and _offered_human(prompt.messages):
            if said <= YES:
                return HANDOFF, "visitor accepted the offer of a human"
            if said <= NO | THANKS_WORDS | POLITE:
                return DECLINED, None
        return small_talk(said) or answer(prompt.question, prompt.knowledge), None


def answer(question: str, knowledge: Sequence[tuple[str, str]]) -> str:
    """The answer of the best match among the Q&A pairs and facts, as a sentence, else
    DONT_KNOW.

    Pairs and facts (a fact comes as `(fact, fact)`) are ranked together by BM25. BM25
    scores are not comparable across companies or questions, so the best match must also
    hold at least half of the question's words (stop words aside, any word form): a question
    that shares one word with the knowledge ("Do you install heat pumps?") gets DONT_KNOW
    rather than a wrong answer. A lower-ranked match that holds more words is not taken
    instead: the words it holds are then the knowledge's common ones, and its answer is
    about something else.
    """
    asked = set(tokens(question))
    docs = [counted(q if q == a else f"{q} {a}") for q, a in knowledge]
    best = bm25(asked, docs, limit=1)
    if not best or 2 * len(asked & docs[best[0][0]].keys()) < len(asked):
        return DONT_KNOW
    return as_sentence(knowledge[best[0][0]][1])


def small_talk(said: frozenset[str]) -> str | None:
    """A greeting or thanks that holds no question (its words are `said`)."""
    if said and said <= GREETINGS:
        return GREETING
    if said & THANKS_WORDS and said <= THANKS_WORDS | POLITE | GREETINGS:
        return THANKS
    return None


def as_sentence(text: str) -> str:
    """`text` capitalised and ending with a full stop, unless it is a sentence already.

    Facts are typed as fragments ("Open Monday to Friday, 9:00 to 17:00"). A first word
    with a capital inside ("iPhone") keeps its case.
    """
    text = text.strip()
    if not text:
        return text
    if text.split(" ", 1)[0].islower():
        text = text[0].upper() + text[1:]
    return text if _SENTENCE_END.search(text) else text + "."


def _latest_is_files(messages: Sequence[dict[str, str]]) -> bool:
    """Whether the visitor's latest turn is only files (the responder cannot read them)."""
    latest = next((m for m in reversed(messages) if m["role"] == "user"), None)
    return latest is not None and only_files(latest["content"])


def _offered_human(messages: Sequence[dict[str, str]]) -> bool:
    """Whether the reply just before the latest visitor message offered a human."""
    # The system message comes first and the visitor's message last.
    return len(messages) >= 3 and messages[-2] == {"role": "assistant", "content": DONT_KNOW}
