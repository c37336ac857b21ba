"""The bot/human handoff state machine (hub.conversations.handoff): every transition from every
state, when the AI may answer, what the inbox offers, and what the contract's field reads."""

from __future__ import annotations

import itertools

import pytest

from hub.conversations.handoff import (
    HANDLED_BY,
    Handoff,
    State,
    after,
    ai_answers,
    applies_from,
    changes,
    contract_handled_by,
    offered,
    target,
)

AI = State("ai", False)
AI_FLAGGED = State("ai", True)  # the model failed; it still answers
WAITING = State("waiting", True)  # the AI handed off; nobody has it yet
HUMAN = State("human", False)
HUMAN_FLAGGED = State("human", True)  # as older versions left an AI handoff
STATES = [State(h, n) for h, n in itertools.product(HANDLED_BY, (False, True))]


@pytest.mark.parametrize(
    ("transition", "start", "end"),
    [
        (Handoff.AGENT_TAKES_OVER, AI, HUMAN),
        (Handoff.AGENT_TAKES_OVER, AI_FLAGGED, HUMAN),  # needs_human clears
        (Handoff.AGENT_TAKES_OVER, WAITING, HUMAN),  # the agent claims it
        (Handoff.AGENT_TAKES_OVER, HUMAN_FLAGGED, HUMAN),
        (Handoff.AGENT_REPLIES, AI, HUMAN),
        (Handoff.AGENT_REPLIES, WAITING, HUMAN),  # replying takes it over too
        (Handoff.AGENT_REPLIES, HUMAN_FLAGGED, HUMAN),
        (Handoff.AGENT_RELEASES, HUMAN, AI),
        (Handoff.AGENT_RELEASES, WAITING, AI),
        (Handoff.AGENT_RELEASES, AI_FLAGGED, AI),
        (Handoff.AI_FAILED, AI, AI_FLAGGED),
        (Handoff.AI_HANDS_OFF, AI, WAITING),  # not "human": nobody has claimed it
        (Handoff.AI_HANDS_OFF, AI_FLAGGED, WAITING),
        # The AI's transitions never undo an agent who took over meanwhile.
        (Handoff.AI_HANDS_OFF, HUMAN, HUMAN),
        (Handoff.AI_FAILED, HUMAN, HUMAN),
        (Handoff.AI_HANDS_OFF, WAITING, WAITING),
    ],
)
def test_each_transition_leads_to_its_state(transition: Handoff, start: State, end: State) -> None:
    assert after(transition, start) == end
    # Applying it again changes nothing (two processes may apply the same transition).
    assert changes(transition, end) == {}


def test_changes_name_only_the_columns_that_move() -> None:
    assert changes(Handoff.AGENT_REPLIES, AI) == {"handled_by": "human"}
    assert changes(Handoff.AGENT_REPLIES, WAITING) == {"handled_by": "human", "needs_human": False}
    assert changes(Handoff.AGENT_REPLIES, HUMAN) == {}
    assert changes(Handoff.AGENT_RELEASES, HUMAN) == {"handled_by": "ai"}
    assert changes(Handoff.AI_HANDS_OFF, HUMAN) == {}  # does not apply from "human"
    assert target(Handoff.AGENT_RELEASES) == {"handled_by": "ai", "needs_human": False}
    assert applies_from(Handoff.AI_FAILED) == applies_from(Handoff.AI_HANDS_OFF) == {"ai"}
    assert applies_from(Handoff.AGENT_TAKES_OVER) == set(HANDLED_BY)


def test_needs_human_clears_whenever_an_agent_acts() -> None:
    for state in STATES:
        for transition in (Handoff.AGENT_TAKES_OVER, Handoff.AGENT_REPLIES):
            assert after(transition, state) == HUMAN, (transition, state)
        assert after(Handoff.AGENT_RELEASES, state) == AI, state


def test_the_ai_answers_only_while_it_handles_the_conversation() -> None:
    assert ai_answers(AI) and ai_answers(AI_FLAGGED)
    assert not any(ai_answers(s) for s in (WAITING, HUMAN, HUMAN_FLAGGED))
    for transition in Handoff:
        # Every agent action but release silences the AI, and so does a handoff;
        # release always lets it answer, and a failure lets it try the next message.
        silenced = not ai_answers(after(transition, AI))
        assert silenced == (transition not in (Handoff.AGENT_RELEASES, Handoff.AI_FAILED))


def test_the_contract_reads_human_only_once_an_agent_has_it() -> None:
    assert [contract_handled_by(s) for s in (AI, AI_FLAGGED, WAITING)] == ["ai"] * 3
    assert contract_handled_by(HUMAN) == contract_handled_by(HUMAN_FLAGGED) == "human"


def test_take_over_and_release_are_offered_only_where_they_change_who_answers() -> None:
    for state in STATES:
        take, release = Handoff.AGENT_TAKES_OVER, Handoff.AGENT_RELEASES
        assert offered(take, state) == (after(take, state).handled_by != state.handled_by)
        assert offered(release, state) == (after(release, state).handled_by != state.handled_by)
    assert not offered(Handoff.AGENT_REPLIES, AI)  # replying is always possible, not a button
