"""What every replier streams, and the one interface they share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Piece:
    """One step of a streamed reply: some text, a finished tool call, or the usage."""

    text: str = ""
    tool_call: ToolCall | None = None
    usage: tuple[int, int] | None = None  # (prompt tokens, completion tokens)


@dataclass(frozen=True)
class Prompt:
    """Everything a model needs: chat messages (system first) and the tools it may call."""

    messages: list[dict[str, str]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    model: str = "llama-3.1-8b-instant"
    temperature: float = 0.3
    max_tokens: int = 400
    # For the offline responder: the knowledge the prompt was built from.
    knowledge: list[tuple[str, str]] = field(default_factory=list)
    question: str = ""


class ReplierError(Exception):
    """The model failed. `retry_after` is set when waiting and retrying may help."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Replier(Protocol):
    def stream(self, prompt: Prompt) -> AsyncIterator[Piece]:
        """Yield the reply as it is produced; raise ReplierError on failure.

        Ending without an error means the model finished the reply: a stream cut off,
        stalled or over its time budget raises, so a fragment is never taken for an answer.
        """
        ...
