"""Who answers a conversation: the bot/human handoff as one explicit state machine.

A conversation's handoff state is two columns: `handled_by` ("ai" or "human": the assistant
answers only while it is "ai") and `needs_human` (someone should look). Every change of either
is one of the transitions below, and nothing else writes them:

| transition          | who                                   | handled_by | needs_human |
| ------------------- | ------------------------------------- | ---------- | ----------- |
| AGENT_TAKES_OVER    | an agent's `conversation.takeover`    | human      | (kept)      |
| AGENT_REPLIES       | an agent's reply, on any surface      | human      | (kept)      |
| AGENT_RELEASES      | an agent's `conversation.release`     | ai         | false       |
| AI_FAILED           | the model failed; the visitor was told | (kept)    | true        |
| AI_HANDS_OFF        | the model or the visitor asked for a human | human  | true        |

Each transition sets its columns to fixed values, so applying one twice changes nothing, and
two processes applying transitions concurrently end in the state of the last one committed.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any


class Handoff(enum.Enum):
    AGENT_TAKES_OVER = "agent_takes_over"
    AGENT_REPLIES = "agent_replies"
    AGENT_RELEASES = "agent_releases"
    AI_FAILED = "ai_failed"
    AI_HANDS_OFF = "ai_hands_off"


@dataclass(frozen=True)
class State:
    handled_by: str  # "ai" | "human"
    needs_human: bool

    @classmethod
    def of(cls, row: Any) -> State:
        """The state of a `conversations` row."""
        return cls(row.handled_by, row.needs_human)


_TARGETS: dict[Handoff, dict[str, Any]] = {
    Handoff.AGENT_TAKES_OVER: {"handled_by": "human"},
    Handoff.AGENT_REPLIES: {"handled_by": "human"},
    Handoff.AGENT_RELEASES: {"handled_by": "ai", "needs_human": False},
    Handoff.AI_FAILED: {"needs_human": True},
    Handoff.AI_HANDS_OFF: {"handled_by": "human", "needs_human": True},
}


def target(transition: Handoff) -> dict[str, Any]:
    """The columns the transition sets, and their values."""
    return dict(_TARGETS[transition])


def changes(transition: Handoff, current: State) -> dict[str, Any]:
    """Only the columns the transition changes from `current` (empty: nothing to write)."""
    return {k: v for k, v in _TARGETS[transition].items() if getattr(current, k) != v}


def after(transition: Handoff, current: State) -> State:
    """The state the transition leads to from `current`."""
    return dataclasses.replace(current, **_TARGETS[transition])


def ai_answers(state: State) -> bool:
    """Whether the assistant may answer (and keep streaming) in this state."""
    return state.handled_by == "ai"
