"""How counts are said in what people read: "1 resource", "2 resources", "after 1 attempt"."""

from __future__ import annotations


def counted(n: int, word: str, plural: str | None = None) -> str:
    """`n` and the word, singular for exactly one; thousands get a separator.

    >>> counted(1, "resource"), counted(2, "resource"), counted(0, "attempt"), counted(3, "entry", "entries")
    ('1 resource', '2 resources', '0 attempts', '3 entries')
    >>> counted(1200, "link check")
    '1,200 link checks'
    """
    return f"{n:,} {word if n == 1 else plural or word + 's'}"
