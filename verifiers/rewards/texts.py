"""What a trainer hands a reward function, as text: completions and prompts are strings or chat
message lists (TRL's standard and conversational formats)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _content(message: Mapping[str, Any]) -> str:
    """A message's text: its content string, or the text parts of a content list."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""


def completion_text(completion: Any) -> str:
    """The model's reply: the string itself, or its assistant messages' text."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content(completion)
    if isinstance(completion, Sequence):
        messages = [m for m in completion if isinstance(m, Mapping)]
        replies = [m for m in messages if m.get("role", "assistant") == "assistant"]
        return "\n".join(_content(m) for m in replies)
    raise TypeError(f"a completion must be a string or a list of messages, not {type(completion)}")


def prompt_text(prompt: Any) -> str:
    """The question asked: the string itself, or its user messages' text ('' when there is none)."""
    if prompt is None:
        return ""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Sequence):
        messages = [m for m in prompt if isinstance(m, Mapping)]
        return "\n".join(_content(m) for m in messages if m.get("role") == "user")
    return ""
