"""Who answers a conversation: the bot/human handoff as one explicit state machine.

A conversation's handoff state is two columns: `handled_by` and `needs_human` (someone should
look). `handled_by` is one of

- "ai": the assistant answers;
- "waiting": the assistant handed the conversation to the team and is silent, and no agent
  has taken it yet (the contract's `handled_by` shows "ai" with `needs_human`: no human
  handles it until one claims it);
- "human": an agent took it over or replied.

Every change of either column is one of the transitions below, and nothing else writes them:

| transition       | who                                      | from | handled_by | needs_human |
| ---------------- | ---------------------------------------- | ---- | ---------- | ----------- |
| AGENT_TAKES_OVER | an agent's `conversation.takeover`       | any  | human      | false       |
| AGENT_REPLIES    | an agent's reply, on any surface         | any  | human      | false       |
| AGENT_RELEASES   | an agent's `conversation.release`        | any  | ai         | false       |
| AI_FAILED        | the model failed; the visitor was told   | ai   | (kept)     | true        |
| AI_HANDS_OFF     | the model or visitor asked for a human   | ai   | waiting    | true        |

Each transition sets its columns to fixed values, so applying one twice changes nothing. The
assistant's two apply only while it still handles the conversation ("from: ai"): an agent who
took over while the reply was being saved keeps it. Agents' transitions apply from any state,
so two processes applying them concurrently end in the state of the last one committed.

The inbox offers an agent's action only where it would change who answers (`offered`): take
over unless a human already handles it, release unless the AI already does.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

AI, WAITING, HUMAN = "ai", "waiting", "human"
HANDLED_BY = (AI, WAITING, HUMAN)


class Handoff(enum.Enum):
    AGENT_TAKES_OVER = "agent_takes_over"
    AGENT_REPLIES = "agent_replies"
    AGENT_RELEASES = "agent_releases"
    AI_FAILED = "ai_failed"
    AI_HANDS_OFF = "ai_hands_off"


@dataclass(frozen=True)
class State:
    handled_by: str  # "ai" | "waiting" | "human"
    needs_human: bool

    @classmethod
    def of(cls, row: Any) -> State:
        """The state of a `conversations` row."""
        return cls(row.handled_by, row.needs_human)


@dataclass(frozen=True)
class _Rule:
    sets: dict[str, Any]
    applies_from: frozenset[str] = frozenset(HANDLED_BY)


_AI_ONLY = frozenset({AI})
_RULES: dict[Handoff, _Rule] = {
    Handoff.AGENT_TAKES_OVER: _Rule({"handled_by": HUMAN, "needs_human": False}),
    Handoff.AGENT_REPLIES: _Rule({"handled_by": HUMAN, "needs_human": False}),
    Handoff.AGENT_RELEASES: _Rule({"handled_by": AI, "needs_human": False}),
    Handoff.AI_FAILED: _Rule({"needs_human": True}, _AI_ONLY),
    Handoff.AI_HANDS_OFF: _Rule({"handled_by": WAITING, "needs_human": True}, _AI_ONLY),
}

# The agent actions the inbox offers, and the states in which each changes who answers.
_OFFERED: dict[Handoff, frozenset[str]] = {
    Handoff.AGENT_TAKES_OVER: frozenset({AI, WAITING}),
    Handoff.AGENT_RELEASES: frozenset({WAITING, HUMAN}),
}


def target(transition: Handoff) -> dict[str, Any]:
    """The columns the transition sets, and their values."""
    return dict(_RULES[transition].sets)


def applies_from(transition: Handoff) -> frozenset[str]:
    """The `handled_by` values the transition applies from (else it changes nothing)."""
    return _RULES[transition].applies_from


def changes(transition: Handoff, current: State) -> dict[str, Any]:
    """Only the columns the transition changes from `current` (empty: nothing to write)."""
    rule = _RULES[transition]
    if current.handled_by not in rule.applies_from:
        return {}
    return {k: v for k, v in rule.sets.items() if getattr(current, k) != v}


def after(transition: Handoff, current: State) -> State:
    """The state the transition leads to from `current`."""
    return dataclasses.replace(current, **changes(transition, current))


def ai_answers(state: State) -> bool:
    """Whether the assistant may answer (and keep streaming) in this state."""
    return state.handled_by == AI


def offered(transition: Handoff, state: State) -> bool:
    """Whether the inbox offers this agent action in `state` (take over, release)."""
    return state.handled_by in _OFFERED.get(transition, frozenset())


def contract_handled_by(state: State) -> str:
    """CONTRACT.md's two values: "human" only once an agent has the conversation."""
    return HUMAN if state.handled_by == HUMAN else AI
