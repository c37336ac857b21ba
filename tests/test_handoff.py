"""The bot/human handoff state machine (hub.conversations.handoff): every transition from every
state it applies to, and when the AI may answer."""

from __future__ import annotations

import pytest

from hub.conversations.handoff import Handoff, State, after, ai_answers, changes, target

AI = State("ai", False)
AI_FLAGGED = State("ai", True)
HUMAN = State("human", False)
HUMAN_FLAGGED = State("human", True)


@pytest.mark.parametrize(
    ("transition", "start", "end"),
    [
        (Handoff.AGENT_TAKES_OVER, AI, HUMAN),
        (Handoff.AGENT_TAKES_OVER, AI_FLAGGED, HUMAN_FLAGGED),
        (Handoff.AGENT_REPLIES, AI, HUMAN),
        (Handoff.AGENT_REPLIES, HUMAN_FLAGGED, HUMAN_FLAGGED),
        (Handoff.AGENT_RELEASES, HUMAN_FLAGGED, AI),
        (Handoff.AGENT_RELEASES, AI_FLAGGED, AI),
        (Handoff.AI_FAILED, AI, AI_FLAGGED),
        (Handoff.AI_HANDS_OFF, AI, HUMAN_FLAGGED),
    ],
)
def test_each_transition_leads_to_its_state(transition: Handoff, start: State, end: State) -> None:
    assert after(transition, start) == end
    # Applying it again changes nothing (two processes may apply the same transition).
    assert changes(transition, end) == {}


def test_changes_name_only_the_columns_that_move() -> None:
    assert changes(Handoff.AGENT_REPLIES, AI) == {"handled_by": "human"}
    assert changes(Handoff.AGENT_REPLIES, HUMAN) == {}
    assert changes(Handoff.AGENT_RELEASES, HUMAN) == {"handled_by": "ai"}
    assert target(Handoff.AGENT_RELEASES) == {"handled_by": "ai", "needs_human": False}


def test_the_ai_answers_only_while_it_handles_the_conversation() -> None:
    assert ai_answers(AI) and ai_answers(AI_FLAGGED)
    assert not ai_answers(HUMAN) and not ai_answers(HUMAN_FLAGGED)
    for transition in Handoff:
        # Every agent action but release silences the AI; release always lets it answer.
        silenced = not ai_answers(after(transition, AI))
        assert silenced == (transition not in (Handoff.AGENT_RELEASES, Handoff.AI_FAILED))
