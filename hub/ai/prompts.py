"""The prompt: company profile and facts, the most relevant Q&A pairs, the use case's
instructions, and recent history within a token budget. One company's data only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.ai.base import Prompt
from hub.ai.retrieval import rank

QA_IN_PROMPT = 8
HISTORY_TOKENS = 2000

USE_CASES = {
    "lead_qualification": (
        "Qualify the visitor as a lead: learn their need, budget, timeline and how to reach "
        "them, one question at a time. Call capture_lead as soon as you learn any of these."
    ),
    "customer_support": (
        "Help existing customers with their questions using only the company's knowledge."
    ),
    "faq": "Answer frequently asked questions briefly, using only the company's knowledge.",
    "appointment_scheduling": (
        "Help the visitor book an appointment: ask for a preferred day and time and their "
        "name and email or phone, then call request_appointment. Never promise a slot; "
        "say the team will confirm it."
    ),
}

_STRING = {"type": "string"}
HANDOFF = {
    "name": "handoff_to_human",
    "description": "Ask a human agent to take over the conversation.",
    "parameters": {
        "type": "object",
        "properties": {"reason": {**_STRING, "description": "Why a human is needed"}},
        "required": ["reason"],
    },
}
CAPTURE_LEAD = {
    "name": "capture_lead",
    "description": "Save what the visitor told you about themselves and their need.",
    "parameters": {
        "type": "object",
        "properties": {
            key: _STRING for key in ("name", "email", "phone", "need", "budget", "timeline")
        },
    },
}
REQUEST_APPOINTMENT = {
    "name": "request_appointment",
    "description": "Record the slot the visitor asked for, for the team to confirm.",
    "parameters": {
        "type": "object",
        "properties": {
            key: _STRING for key in ("requested_slot", "name", "email", "phone", "notes")
        },
        "required": ["requested_slot"],
    },
}


def tools_for(use_case: str) -> list[dict[str, Any]]:
    tools = [HANDOFF]
    if use_case == "lead_qualification":
        tools.append(CAPTURE_LEAD)
    if use_case == "appointment_scheduling":
        tools.append(REQUEST_APPOINTMENT)
    return [{"type": "function", "function": tool} for tool in tools]


def relevant_pairs(
    question: str, pairs: Sequence[tuple[str, str]], limit: int = QA_IN_PROMPT
) -> list[tuple[str, str]]:
    """The pairs that best match the question (a company may have thousands)."""
    ranked = rank(question, [f"{q} {q} {a}" for q, a in pairs], limit)
    return [pairs[i] for i, _ in ranked]


def estimate_tokens(text: str) -> int:
    return len(text) // 4 + 1


def recent_history(history: Sequence[dict[str, Any]], budget: int) -> list[dict[str, str]]:
    """The newest messages that fit the budget, oldest first, as chat turns."""
    turns: list[dict[str, str]] = []
    for message in reversed(history):
        content = _content(message)
        if not content:
            continue
        budget -= estimate_tokens(content)
        if budget < 0:
            break
        role = "user" if message["direction"] == "inbound" else "assistant"
        turns.append({"role": role, "content": content})
    return list(reversed(turns))


FILE_LINE = "[attached file: "  # how a file the model cannot open appears in its history


def only_files(content: str) -> bool:
    """Whether a turn is nothing but files: the visitor sent them with no words."""
    lines = content.splitlines()
    return bool(lines) and all(line.startswith(FILE_LINE) for line in lines)


def _content(message: dict[str, Any]) -> str:
    """The message's text, with a line naming each uploaded file (the model cannot see them,
    but should know they were sent rather than take the turn for an empty one)."""
    uploads = [a for a in message.get("attachments") or () if a.get("id")]
    lines = [f"{FILE_LINE}{a['name']} ({a['content_type']})]" for a in uploads]
    return "\n".join([message["text"], *lines] if message["text"] else lines)


def build(
    company: Any,
    settings: Any,
    pairs: Sequence[tuple[str, str]],
    history: Sequence[dict[str, Any]],
) -> Prompt:
    question = next((m["text"] for m in reversed(history) if m["direction"] == "inbound"), "")
    chosen = relevant_pairs(question, pairs)
    facts = list(company.facts or [])
    system = _system_text(company, settings, facts, chosen)
    return Prompt(
        messages=[{"role": "system", "content": system}, *recent_history(history, HISTORY_TOKENS)],
        tools=tools_for(settings.use_case),
        model=settings.model,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        knowledge=chosen + [(fact, fact) for fact in facts],
        question=question,
    )


def _system_text(
    company: Any, settings: Any, facts: list[str], pairs: list[tuple[str, str]]
) -> str:
    lines = [
        f"You are the assistant on {company.name}'s website chat.",
        f"About the company: {company.description or 'no description given'}.",
    ]
    if company.website:
        lines.append(f"Website: {company.website}")
    if facts:
        lines += ["Facts:", *(f"- {fact}" for fact in facts)]
    if pairs:
        lines += ["Relevant Q&A:", *(f"Q: {q}\nA: {a}" for q, a in pairs)]
    lines.append(USE_CASES.get(settings.use_case, USE_CASES["customer_support"]))
    if settings.instructions:
        lines.append(f"Company instructions: {settings.instructions}")
    lines.append(
        "Be brief and friendly. If you do not know, say so plainly and offer a human; "
        "never invent prices, policies or availability. Call handoff_to_human when the "
        "visitor asks for a person or is upset. You cannot open files: when the visitor "
        "sends one (a line [attached file: NAME (TYPE)]), say a teammate will look at it "
        "and call handoff_to_human."
    )
    return "\n".join(lines)
