"""Full-text search over every announcement ever seen (`healthcrawl search`).

What a person types becomes an FTS5 query that ordinary text cannot break:
every word is put in double quotes, so hyphens, apostrophes, colons and stray
quotes are searched as written ("covid-19" finds "COVID 19"), while "a phrase",
a prefix*, AND, OR, NOT (upper case) and parentheses keep their meaning. Only an
operator without a term on each side, or an unbalanced parenthesis, is an error
(SearchError, with a hint). Accents and case are folded by the index itself
(migration 8: ``unicode61 remove_diacritics 2``), so "velo" finds "Vélo".
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from crawler.core.timeutil import iso

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.store.database import Store

OPERATORS = frozenset({"AND", "OR", "NOT"})
# a "phrase" (its closing quote optional), a parenthesis, or a run of anything else
_TOKEN = re.compile(r'"([^"]*)"?(\*?)|([()])|([^\s()"]+)')
TITLE_WIDTH = 60  # longer titles are cut in the table format; the JSON has them whole


class SearchError(ValueError):
    """A search that cannot run: nothing to look for, an operator out of place, or
    an unknown resource. The message says what to change."""


@dataclass(frozen=True)
class Match:
    """One announcement that matched, as printed."""

    resource: str  # the slug, as --resource takes it
    resource_name: str
    title: str
    url: str | None
    published: str | None  # None when the item carries no date
    first_seen_at: str
    summary: str | None
    score: float  # bm25: higher is better; only comparable within one search

    @property
    def date(self) -> str:
        """Published, else first seen: what --since compares and the order uses."""
        return self.published or self.first_seen_at


def fts_query(text: str) -> str:
    """The FTS5 query for what a person typed: each word quoted, the syntax kept.

    >>> fts_query("movilidad urbana")
    '"movilidad" "urbana"'
    >>> fts_query('covid-19 l\\'air "Île de France" velo* OR fiets')
    '"covid-19" "l\\'air" "Île de France" "velo"* OR "fiets"'
    >>> fts_query('(bruxelles OR brussel) NOT "unclosed')
    '( "bruxelles" OR "brussel" ) NOT "unclosed"'
    >>> fts_query("rock and roll")  # operators are upper case; "and" is a word
    '"rock" "and" "roll"'
    """
    parts = []
    for phrase, star, paren, word in _TOKEN.findall(text.replace("\0", " ")):  # SQLite ends text at NUL
        if paren:
            parts.append(paren)
        elif word in OPERATORS:
            parts.append(word)
        elif word:
            stem = word.rstrip("*")
            parts.append(f'"{stem}"*' if stem != word else f'"{word}"')
        else:
            parts.append(f'"{phrase}"{star}')
    return " ".join(parts)


def search(store: Store, text: str, *, since: datetime | None = None, resource: str | None = None,
           limit: int = 20) -> list[Match]:
    """The announcements matching `text` (see fts_query), best first and newest
    first among equals, at most `limit`; `since` keeps those published (undated:
    first seen) at or after it, `resource` those of one resource slug."""
    query = fts_query(text)
    if not re.search(r"\w", query):
        raise SearchError(f"nothing to search for in {text!r}: give a word")
    if resource is not None and resource not in (known := store.resource_ids()):
        close = difflib.get_close_matches(resource, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SearchError(f"no resource with the slug {resource!r}{hint}")
    try:
        rows = store.search_announcements(query, since=iso(since), resource_id=resource, limit=limit)
    except ValueError as exc:
        raise SearchError(
            f"cannot search for {text!r}: AND, OR and NOT need a word on each side, and parentheses come "
            f"in pairs (SQLite: {exc}); put a word in double quotes to search for it as written") from None
    return [Match(resource=row["resource_id"], **{k: v for k, v in row.items() if k != "resource_id"})
            for row in rows]


def to_json(matches: Sequence[Match]) -> str:
    """A JSON list, one object per match in order, with `date` (published, else first seen)."""
    return json.dumps([{**asdict(m), "date": m.date} for m in matches], ensure_ascii=False, indent=2) + "\n"


def to_table(matches: Sequence[Match]) -> str:
    """Aligned columns: date (the day published, else first seen), resource, title, link.

    >>> print(to_table([Match("ciudad", "Ciudad", "Movilidad urbana", "http://c.example/m",
    ...                       "2026-05-12T10:00:00Z", "2026-05-13T08:00:00Z", None, 1.5)]), end="")
    date        resource  title             link
    2026-05-12  Ciudad    Movilidad urbana  http://c.example/m
    """
    rows = [("date", "resource", "title", "link")] + [
        (m.date[:10], m.resource_name, _cut(m.title, TITLE_WIDTH), m.url or "") for m in matches]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)), row[3]]).rstrip() + "\n"
        for row in rows)


def _cut(text: str, width: int) -> str:
    """
    >>> _cut("Nouvelle stratégie de mobilité", 12)
    'Nouvelle st…'
    """
    return text if len(text) <= width else text[: width - 1] + "…"
