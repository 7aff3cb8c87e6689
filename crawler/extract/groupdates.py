"""Dates a listing prints outside an item's block, or only in part.

A day box beside a card (``<div>11 set</div><div class="card">``), a ``<dt>`` before its
``<dd>``, a day and month ("11 set", "29/05") whose year is in the group heading above
("Settembre 2023") or in the item itself ("Batizado 2020"), a day name and number
("Venerdì 29") whose month and year are in the group heading. And whether an item is
tied to a day at all (is_timed): news and events are, even where the day cannot be
stored; a service card never is.
"""

from __future__ import annotations

from collections.abc import Iterator

from bs4.element import NavigableString, Tag

from crawler.extract.blocks import ItemContext, block_date
from crawler.extract.candidates import Block, Group
from crawler.extract.dates import date_from_parts
from crawler.extract.htmltext import BLOCK_TAGS, element_text
from crawler.extract.noise import HEADINGS
from crawler.extract.partdates import find_day_month, find_weekday_day, is_period, the_year, year_of_heading


def _headings_above(el: Tag, inside: set[int]) -> Iterator[Tag]:
    """The headings before ``el`` that are not the items' own titles, nearest first
    (among the twelve nearest headings: a group heading is close to its items)."""
    for heading in el.find_all_previous(HEADINGS, limit=12):
        if id(heading) not in inside and not any(id(p) in inside for p in heading.parents):
            yield heading


def _holds_item(el: Tag, inside: set[int]) -> bool:
    """Is `el` one of the listing's item blocks (`inside`: their ids), or does it hold one?"""
    return id(el) in inside or any(id(d) in inside for d in el.find_all(True))


def _date_beside(block: Block, inside: set[int], ctx: ItemContext, *, after: bool = False) -> str | None:
    """A date printed just before the block (or after it), for the item it heads: a day
    box beside a card (``<div>11 set</div><div class="card">``), a ``<dt>`` before its
    ``<dd>``; a Markdown section's date line under its heading and teaser. Looks at the
    nearest siblings of the block and of its two parents that hold no item themselves."""
    el: Tag | None = block.el
    for _ in range(3):
        if el is None:
            return None
        siblings = el.find_next_siblings(True, limit=3) if after else el.find_previous_siblings(True, limit=3)
        for sibling in siblings:
            if _holds_item(sibling, inside):
                break
            text = element_text(sibling)
            if text and len(text) <= 80:
                found = block_date(sibling, ctx, "") or _with_group_year(sibling, text, None, inside, ctx)
                if found:
                    return found
        el = el.parent if isinstance(el.parent, Tag) else None
    return None


def _with_group_year(el: Tag, text: str, item: str | None, inside: set[int], ctx: ItemContext) -> str | None:
    """A day printed without its year completed from its group: a day and month ("11 set")
    or a day name and number ("Venerdì 29") under the nearest heading above with a year
    ("Settembre 2023") that is not an item's own title; else a day and month with the one
    year the item itself prints (``item``: "Batizado 2020 ... Dal 29/05")."""
    parts = find_day_month(text, language=ctx.language)
    day: int | None
    month: int | None
    day, month = parts if parts is not None else (find_weekday_day(text, language=ctx.language), None)
    if day is None:
        return None
    for heading in _headings_above(el, inside):
        found = year_of_heading(element_text(heading), language=ctx.language)
        if found is None:
            continue
        year, group_month = found
        if month is None or group_month in (None, month):
            month = month or group_month
            return date_from_parts(year, month, day, fetched_at=ctx.fetched_at) if month else None
        return None
    own_year = the_year(item) if month is not None else None
    return date_from_parts(own_year, month, day, fetched_at=ctx.fetched_at) if own_year and month else None


_LINE_MARKS = " \t\r\n-\u2013\u2014|:\u00b7\u2022()[],"  # what separates a date from its item on a line
_LINE_TEXT = 80


def _line_date(block: Block, inside: set[int], ctx: ItemContext) -> str | None:
    """The date on the block's own line, when the listing is lines of text broken by
    ``<br>`` ("23/10/2015 - <a>Title</a><br>", "<a>Title</a> (23/10/2015)<br>"): the
    text beside the block up to the line break or the next item, before it, then after."""
    for forward in (False, True):
        parts: list[str] = []
        node = block.el.next_sibling if forward else block.el.previous_sibling
        while node is not None:
            if isinstance(node, Tag):
                # A line ends at a <br> or any block (a heading, a paragraph): the date of
                # the next item's heading is not on this item's line.
                if node.name in BLOCK_TAGS or _holds_item(node, inside):
                    break
                parts.append(element_text(node))
            elif type(node) is NavigableString:
                parts.append(str(node))
            node = node.next_sibling if forward else node.previous_sibling
        line = " ".join(parts if forward else reversed(parts)).strip(_LINE_MARKS)
        if line and len(line) <= _LINE_TEXT:
            found = ctx.date(line)
            if found:
                return found
    return None


def context_dates(group: Group, ctx: ItemContext) -> None:
    """Dates an item shows only in part, or outside its block: a day and month whose year
    is in a group heading, a date on its own line, or a date box beside the item (see
    the helpers)."""
    inside = {id(b.el) for b in group.blocks}
    undated = []
    for block in group.blocks:
        if block.published or block.headline is None:
            continue
        item = element_text(block.el)
        text = item.replace(block.headline.title, " ")
        block.published = _with_group_year(block.el, text, item, inside, ctx) or _line_date(block, inside, ctx)
        if not block.published:
            undated.append(block)
    if not undated:
        return
    # A date beside the blocks is the item's before it (a day box, a <dt>) unless the
    # listing prints one after each item and none before its first (headings, each
    # with its date line below): the date before an item is then its predecessor's.
    before = [_date_beside(b, inside, ctx) for b in undated]
    if len(undated) >= 2 and before[0] is None and all(before[1:]):
        after = [_date_beside(b, inside, ctx, after=True) for b in undated]
        if all(after):
            before = after
    days = _day_rows(group, ctx) if None in before else {}
    for block, found in zip(undated, before, strict=True):
        block.published = found or days.get(id(block.el))
        if found is None and not block.day_month:
            block.day_month = _day_month_before(block, inside, ctx)


def _day_rows(group: Group, ctx: ItemContext) -> dict[int, str]:
    """Items under day rows of their own run (a calendar's list view: a row "August 3,
    2025", then that day's events, each a row): every item takes the day of the last
    day row above it, not only the first item after it. Keyed by the item's element id."""
    days: dict[int, str] = {}
    day: str | None = None
    for block in group.blocks:
        if block.headline is None:
            text = element_text(block.el)
            if text:  # a spacer row keeps the day; any other row ends it
                day = block_date(block.el, ctx, "") if len(text) <= 80 else None
        elif day:
            days[id(block.el)] = day
    return days


def _day_month_before(block: Block, inside: set[int], ctx: ItemContext) -> bool:
    """Is the block headed by a day and month printed without the year, just before it
    ("<dt>4月28日</dt>" before its ``<dd>``)? The item is tied to that day, though the day
    cannot be stored."""
    sibling = block.el.find_previous_sibling(True)
    if sibling is None or _holds_item(sibling, inside):
        return False
    text = element_text(sibling)
    return bool(text) and len(text) <= 40 and find_day_month(text, language=ctx.language) is not None


def is_timed(block: Block, inside: set[int], ctx: ItemContext) -> bool:
    """Is the block tied to a day: its date, a day and month printed without the year
    ("29 y 30 de Agosto"), or a year heading it is listed under ("2024")? A service
    card never is; news and events always are, even where the day cannot be stored."""
    if block.published:
        return True
    assert block.headline is not None
    if find_day_month(element_text(block.el).replace(block.headline.title, " "), language=ctx.language):
        return True
    above = next(_headings_above(block.el, inside), None)
    return above is not None and is_period(element_text(above), language=ctx.language)
