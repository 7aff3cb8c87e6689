"""Where a page repeats itself: runs of sibling blocks of the same tag that hold links.

A listing is such a run (crawler.extract.listing judges which runs are listings). The
tag is the structure; class names vary per item and per theme, so they only join runs
that a theme splits (a grid in rows, a row of cards in each of two identical modules).
Everything here is linear in the size of the page: hostile pages nest 100,000 deep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.noise import signature

MIN_LINKED = 2  # blocks with a link that make a run worth reading
BLOCK_TAGS = frozenset({"article", "div", "li", "section", "tr", "dd", "dt", "p", "a", "figure", "span", "td"})


def _link_holders(soup: BeautifulSoup | Tag) -> set[int]:
    """Ids of the elements that are or hold a link, in one pass up from each link: asking
    each element for a link inside would be quadratic on deeply nested markup."""
    holders: set[int] = set()
    for link in soup.find_all("a", href=True):
        holders.add(id(link))
        for parent in link.parents:
            if id(parent) in holders:
                break
            holders.add(id(parent))
    return holders


def _sibling_runs(soup: BeautifulSoup | Tag, holders: set[int]) -> list[tuple[Tag, list[Tag]]]:
    """(parent, blocks): same-tag siblings, one or more with a link.

    The tag is the structure: class names vary per item and per theme. A grid split
    into rows (``card-deck`` after ``card-deck``) is one run: blocks of the same tag
    under siblings of the same class count together.
    """
    runs: dict[tuple[object, ...], list[Tag]] = defaultdict(list)
    parents: dict[tuple[object, ...], Tag] = {}
    for parent in soup.find_all(True):
        # Only parents with a class name join: bare <div>s side by side are not rows.
        kind = signature(parent)
        key_base: tuple[object, ...] = (id(parent.parent), kind) if kind[1] else (id(parent),)
        for child in parent.children:
            if isinstance(child, Tag) and child.name in BLOCK_TAGS:
                key = (*key_base, child.name)
                runs[key].append(child)
                parents.setdefault(key, parent)
    return [(parents[key], blocks) for key, blocks in runs.items() if any(id(b) in holders for b in blocks)]


def _cousin_keys(parent: Tag, tag: str, kinds: dict[int, tuple[str, str]]) -> Iterator[tuple[object, ...]]:
    """Where a short run of blocks may continue: runs whose parents sit at the same place
    in identical modules, up to four levels up (a "3 up" row of cards in each of two
    "article up" blocks). Only chains with a class name: bare ``div > div`` chains are
    everywhere and say nothing."""
    def kind(el: Tag) -> tuple[str, str]:
        if id(el) not in kinds:
            kinds[id(el)] = signature(el)
        return kinds[id(el)]

    chain: list[tuple[str, str]] = [kind(parent)]
    ancestor: Tag | None = parent
    for _ in range(3):
        ancestor = ancestor.parent if ancestor is not None and isinstance(ancestor.parent, Tag) else None
        if ancestor is None or ancestor.name in ("body", "html"):
            return
        chain.append(kind(ancestor))
        if any(cls for _, cls in chain) and isinstance(ancestor.parent, Tag):
            yield (id(ancestor.parent), tuple(chain), tag)


def sibling_groups(soup: BeautifulSoup | Tag, limit: int) -> Iterator[tuple[Tag, list[Tag]]]:
    """(parent, blocks) for every run of same-tag blocks of which two or more, and at
    least half, hold a link; short runs (rows of a grid, one per module) joined with
    their cousins; at most ``limit`` blocks of each."""
    holders = _link_holders(soup)
    runs = _sibling_runs(soup, holders)
    owner = list(range(len(runs)))

    def find(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    first: dict[tuple[object, ...], int] = {}
    kinds: dict[int, tuple[str, str]] = {}  # signature() of elements met, by id
    for i, (parent, blocks) in enumerate(runs):
        if sum(1 for b in blocks if id(b) in holders) > 4:
            continue
        for key in _cousin_keys(parent, blocks[0].name, kinds):
            if key in first:
                owner[find(i)] = find(first[key])
            else:
                first[key] = i
    units: dict[int, tuple[Tag, list[Tag]]] = {}
    for i, (parent, blocks) in enumerate(runs):
        root = find(i)
        if root in units:
            units[root][1].extend(blocks)
        else:
            units[root] = (parent, list(blocks))
    for parent, blocks in units.values():
        with_link = sum(1 for b in blocks if id(b) in holders)
        if with_link >= MIN_LINKED and 2 * with_link >= len(blocks):
            yield parent, blocks[:limit]
