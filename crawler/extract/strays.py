"""Items of a listing that broken markup put outside its run.

A template that closes one ``</div>`` too many ends the run's parent early: the parser
closes every element up to the div it matches, so the first teasers of a listing end up
one or two levels above the others, each alone there, and no run holds them ("In the
News": seven sections, the first two stranded by a stray ``</div>``). A person sees seven
alike teasers. An element alone at its level that is built like the listing's items (the
tag and class of one of them, its headline at the end of the same path of tags and
classes as one of them) is one of them.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.blocks import ItemContext
from crawler.extract.candidates import Block, Group, read_block
from crawler.extract.noise import signature

MIN_ITEMS = 3  # items a listing shows before its build can vouch for a stray


def headline_path(block: Block) -> tuple[list[object], bool]:
    """The headline's tag, then the tag and classes (noise.signature) of each element
    above it up to the block, nearest first; and whether the block was reached (False:
    the headline is not inside it, and the path runs to the document). Empty without a
    headline element."""
    anchor = block.headline.anchor if block.headline is not None else None
    if anchor is None:
        return [], False
    path: list[object] = [anchor.name]
    for parent in anchor.parents:
        if parent is block.el:
            return path, True
        path.append(signature(parent))
    return path, False


def build(block: Block) -> tuple[object, ...]:
    """How a block is built: its tag, then the tags and classes from its headline up to
    it. Empty when nothing in it has a class to tell it by."""
    path, inside = headline_path(block)
    if not inside or not any(isinstance(step, tuple) and step[1] for step in path):
        return ()
    return (block.el.name, *path)


def template_key(block: Block) -> tuple[object, tuple[object, ...]]:
    """What two blocks from one template share: the block's tag and classes
    (noise.signature) and its build. The second part is empty when build() finds none."""
    return signature(block.el), build(block)


def _alone(el: Tag) -> bool:
    """No sibling of the same tag and class: no run it could have been judged in."""
    parent = el.parent
    if parent is None:
        return False
    sig = signature(el)
    return sum(1 for sib in parent.children if isinstance(sib, Tag) and signature(sib) == sig) == 1


def add_strays(groups: list[Group], soup: BeautifulSoup | Tag, ctx: ItemContext) -> None:
    """Adds to each listing the stray elements built like its items (module docstring)."""
    listed = {id(b.el) for g in groups for b in g.items}
    around = {id(p) for g in groups for b in g.items for p in b.el.parents}
    for group in groups:
        builds = {key for b in group.items if (key := build(b))}
        if len(group.items) < MIN_ITEMS or not builds:
            continue
        urls = {b.headline.url for b in group.items if b.headline is not None}
        kinds = {signature(b.el) for b in group.items}
        for el in soup.find_all({kind[0] for kind in kinds}):
            if signature(el) not in kinds or id(el) in listed or id(el) in around or not _alone(el):
                continue
            if any(id(p) in listed for p in el.parents):
                continue
            block = read_block(el, ctx, frozenset())
            if block.headline is None or block.headline.url in urls or build(block) not in builds:
                continue
            group.items.append(block)
            urls.add(block.headline.url)
            listed.add(id(el))
