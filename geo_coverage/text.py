"""Both languages in one place: every output reads its Chinese or English text through here.

Texts are pairs ``(zh, en)``; Chinese is the default language of every output. A label
table anywhere in the package is a mapping of key -> pair, read with ``pick``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

Language = Literal["zh", "en"]
"""The output languages: Chinese (default) and English."""

LANGUAGES: tuple[Language, ...] = ("zh", "en")

T = TypeVar("T")


def position(language: str) -> int:
    """Where ``language``'s text sits in a ``(zh, en)`` pair: 0 for Chinese, 1 for English."""
    return 0 if language == "zh" else 1


def pick(language: str, zh: T, en: T) -> T:
    """The text (or any value) for ``language``: ``zh`` for Chinese, ``en`` otherwise."""
    return zh if language == "zh" else en


def of(pair: Sequence[T], language: str) -> T:
    """The ``language`` member of a ``(zh, en)`` pair."""
    return pair[position(language)]


def label_column(language: str) -> str:
    """The column holding labels in ``language``: ``label_zh`` or ``label_en``."""
    return pick(language, "label_zh", "label_en")
