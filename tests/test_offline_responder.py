"""The offline responder against the demo company's seeded knowledge: a table of realistic
visitor questions, each with the source it must answer from, plus the conversation turns
around it (greetings, the offer of a human) and one reply through a real widget socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.ai import prompts
from hub.ai.local import (
    DECLINED,
    DONT_KNOW,
    FILE_RECEIVED,
    GREETING,
    HANDOFF,
    THANKS,
    LocalReplier,
    as_sentence,
)
from hub.ai.retrieval import rank, tokens
from hub.persistence import repository as repo
from hub.workspace.companies import DEMO_FACTS, DEMO_PAIRS, CreatedCompany, demo_company
from tests.conftest import make_settings
from tests.support.clients import Widget
from tests.support.server import HubServer, start_hub

PAIR_NAMES = ("cost", "duration", "financing", "warranty", "battery", "quote")
ANSWERS = dict(zip(PAIR_NAMES, DEMO_PAIRS, strict=True))
# What the visitor sees for each source: a fact as a sentence, a pair's answer as written.
SOURCES: dict[str, str] = {
    "hours": "Open Monday to Friday, 9:00 to 17:00.",
    "county": "Installs across the whole county.",
    "contact": "Contact us by phone on 555-0100 or by email at hello@example.com.",
    "office": "Our office and showroom are at 12 Main Street, Springfield.",
    **{name: answer for name, (_, answer) in ANSWERS.items()},
    "none": DONT_KNOW,
    "greeting": GREETING,
    "thanks": THANKS,
    "human": HANDOFF,
}

TABLE: list[tuple[str, str]] = [
    ("What are your opening hours?", "hours"),
    ("When are you open?", "hours"),
    ("Do you open on Saturdays?", "hours"),
    ("are you open on sundays", "hours"),
    ("What are your opening times?", "hours"),
    ("When do you open in the morning?", "hours"),
    ("Is your office open on Fridays?", "hours"),
    ("Do you cover the whole county?", "county"),
    ("Which counties do you install in?", "county"),
    ("Do you work across the county?", "county"),
    ("How much does it cost?", "cost"),
    ("What does a solar system cost?", "cost"),
    ("Roughly how much would a home system cost?", "cost"),
    ("installation costs?", "cost"),
    ("How much is solar?", "cost"),
    ("How long does installation take?", "duration"),
    ("How long will the install take?", "duration"),
    ("How many days does it take to install?", "duration"),
    ("Do you offer finance?", "financing"),
    ("Is 0% finance available?", "financing"),
    ("Do you have financing options?", "financing"),
    ("What warranty do the panels come with?", "warranty"),
    ("Are the panels guaranteed?", "warranty"),
    ("Is there a guarantee on the workmanship?", "warranty"),
    ("Do you install batteries?", "battery"),
    ("Can you add a battery to my existing system?", "battery"),
    ("How do I get a quote?", "quote"),
    ("Can I get a free quote?", "quote"),
    ("Do you do site surveys?", "quote"),
    ("What's your phone number?", "contact"),
    ("How can I contact you?", "contact"),
    ("What is your email address?", "contact"),
    ("Where is your office?", "office"),
    ("Do you have a showroom?", "office"),
    ("hi", "greeting"),
    ("Hello!", "greeting"),
    ("Good morning", "greeting"),
    ("Thank you!", "thanks"),
    ("Can I talk to a human?", "human"),
    ("I want to speak to a person.", "human"),
    ("Can I speak to one of your agents?", "human"),
    # Nothing in the knowledge answers these: a word in common is not an answer.
    ("Can you fix my car?", "none"),
    ("Do you sell wind turbines?", "none"),
    ("What's the weather like tomorrow?", "none"),
    ("Do you offer roof repairs?", "none"),
    ("Do you install heat pumps?", "none"),
    ("Do you offer discounts for pensioners?", "none"),
    ("Are you open on bank holidays?", "none"),
    ("Who won the football last night?", "none"),
]


@pytest.fixture
async def demo(sqlite_url: str) -> AsyncIterator[tuple[HubServer, CreatedCompany]]:
    """A hub with the offline responder (no GROQ_API_KEY) and the seeded demo company."""
    async with start_hub(make_settings(sqlite_url)) as server:
        yield server, await demo_company(server.hub.db, server.settings)


def turn(text: str, direction: str = "inbound") -> dict[str, Any]:
    return {"text": text, "direction": direction}


async def reply_to(
    server: HubServer, company_id: str, history: list[dict[str, Any]]
) -> tuple[str, bool]:
    """The responder's text and whether it handed over, for the prompt the hub builds."""
    async with server.hub.db.read() as conn:
        company = await repo.company_by_id(conn, company_id)
    pairs = [(p.question, p.answer) for p in await server.hub.knowledge.pairs(company_id)]
    config = await server.hub.knowledge.ai_config(company_id)
    text, handoff = "", False
    async for piece in LocalReplier().stream(prompts.build(company, config, pairs, history)):
        text += piece.text
        handoff |= piece.tool_call is not None and piece.tool_call.name == "handoff_to_human"
    return text, handoff


def source_of(text: str, handoff: bool) -> str:
    if handoff:
        return "human" if text == HANDOFF else f"handoff saying {text!r}"
    return next((name for name, said in SOURCES.items() if said == text), f"other: {text!r}")


def test_the_table_is_realistic_and_about_the_seeded_knowledge() -> None:
    assert len(TABLE) >= 30
    assert {source for _, source in TABLE} == set(SOURCES)  # every source is asked for
    facts = [SOURCES[name] for name in ("hours", "county", "contact", "office")]
    assert [fact.removesuffix(".") for fact in facts] == DEMO_FACTS
    assert "Open Monday to Friday, 9:00 to 17:00" in DEMO_FACTS  # the issue's fact, as it is


async def test_every_question_in_the_table_gets_its_source(
    demo: tuple[HubServer, CreatedCompany],
) -> None:
    server, company = demo
    replies = await asyncio.gather(
        *(reply_to(server, company.company_id, [turn(question)]) for question, _ in TABLE)
    )
    got = [source_of(text, handoff) for text, handoff in replies]
    misses = [(q, want, was) for (q, want), was in zip(TABLE, got, strict=True) if was != want]
    hits = len(TABLE) - len(misses)
    print(f"offline responder hit rate: {hits}/{len(TABLE)} = {hits / len(TABLE):.0%}")
    assert misses == []


async def test_a_yes_to_the_offer_of_a_human_hands_over(
    demo: tuple[HubServer, CreatedCompany],
) -> None:
    server, company = demo
    asked = [turn("Can you fix my car?"), turn(DONT_KNOW, "outbound")]
    for answer in ("yes", "Yes please!", "sure"):
        assert await reply_to(server, company.company_id, [*asked, turn(answer)]) == (
            HANDOFF,
            True,
        )
    no = await reply_to(server, company.company_id, [*asked, turn("no thanks")])
    assert no == (DECLINED, False)
    # A yes to anything else is not a request for a human.
    answered = [turn("When are you open?"), turn(SOURCES["hours"], "outbound"), turn("yes")]
    assert await reply_to(server, company.company_id, answered) == (DONT_KNOW, False)


async def test_the_issues_question_streams_the_hours_through_a_widget_socket(
    demo: tuple[HubServer, CreatedCompany],
) -> None:
    server, company = demo
    widget = await Widget.open(server.ws, company.widget_key)
    await widget.say("What are your opening hours?")
    final = await widget.message(SOURCES["hours"])
    deltas = [f for f in widget.seen if f["type"] == "ai.delta"]
    assert deltas and {d["reply_id"] for d in deltas} == {final["id"]}
    assert "".join(d["text"] for d in deltas) == final["text"]
    assert final["sender"] == "ai"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Open Monday to Friday, 9:00 to 17:00", "Open Monday to Friday, 9:00 to 17:00."),
        ("installs across the county", "Installs across the county."),
        ("Yes: 0% financing.", "Yes: 0% financing."),
        ("Do we do weekends? Sometimes!", "Do we do weekends? Sometimes!"),
        ('Ask for "the solar deal."', 'Ask for "the solar deal."'),
        ("See example.com (our site)", "See example.com (our site)."),
        ("iPhone app available", "iPhone app available."),
        ("  Free parking  ", "Free parking."),
    ],
)
def test_an_answer_is_said_as_a_sentence(written: str, said: str) -> None:
    assert as_sentence(written) == said


def test_word_forms_match() -> None:
    assert tokens("What are your opening hours?") == tokens("opened hour")
    assert tokens("installation installs installed") == tokens("install") * 3
    documents = ["Closed on Sundays", "We opened in 2010", "Solar panels"]
    assert [i for i, _ in rank("When do you open?", documents, limit=3)] == [1]


async def test_a_file_sent_alone_is_handed_to_a_teammate(
    demo: tuple[HubServer, CreatedCompany],
) -> None:
    """The responder cannot open a file: it says so and hands over, instead of answering
    an empty question with "I'm not sure"."""
    server, company = demo
    photo = {"id": "a1", "name": "roof.png", "content_type": "image/png"}
    sent = {"text": "", "direction": "inbound", "attachments": [photo]}
    assert await reply_to(server, company.company_id, [sent]) == (FILE_RECEIVED, True)
    # With words, the words are answered as ever.
    asked = {**sent, "text": "When are you open?"}
    assert await reply_to(server, company.company_id, [asked]) == (SOURCES["hours"], False)
