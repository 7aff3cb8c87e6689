"""Render the status document (the same dict written as status.json) into index.html
and one detail page per resource (resources/<slug>.html).

Every page is one static file with no scripts and no external assets, so it can be
served from anywhere (GitHub Pages, a bucket, a file share) and opened offline.
Everything scraped from the web is untrusted: the environment autoescapes all
output and only http(s) URLs ever become links. Charts are inline SVG whose
coordinates are computed in Python, so the templates only ever print numbers into them.
Filtering works without JavaScript: radio inputs plus CSS rules generated from
CSS-safe keys (never from raw tag text).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from crawler.core.vocabulary import WORST_FIRST, LinkVerdict, Status
from crawler.report.page.filters import FILTERS
from crawler.report.page.views import (
    CHECK_LABELS,
    CHECK_SYMBOLS,
    HISTORY_SLOTS,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    UNKNOWN,
    PageView,
    build_view,
)

TEMPLATE_DIR = Path(__file__).parent.parent / "templates"
INDEX_TEMPLATE = "index.html.j2"
DETAIL_TEMPLATE = "resource.html.j2"


def make_environment() -> jinja2.Environment:
    """Jinja environment for the report: autoescaped (also for ``.j2``), strict, filters registered.

    StrictUndefined turns a template typo into an error in tests instead of an empty cell
    on the live page; the view models below guarantee every name the template reads exists.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"),
            default_for_string=True,
            default=True,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    # the vocabulary, so templates compare against the same words as the code
    env.globals.update(Status=Status, LinkVerdict=LinkVerdict, UNKNOWN=UNKNOWN)
    return env


_ENV: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    """One environment per process so templates are compiled once."""
    global _ENV
    if _ENV is None:
        _ENV = make_environment()
    return _ENV


def _context(view: PageView) -> dict[str, Any]:
    return {
        "page": view,
        "labels": STATUS_LABELS,
        "symbols": STATUS_SYMBOLS,
        "statuses": WORST_FIRST,
        "check_labels": CHECK_LABELS,
        "check_symbols": CHECK_SYMBOLS,
        "history_slots": HISTORY_SLOTS,
    }


def render_index(status: Mapping[str, Any]) -> str:
    """Render the whole status page as one HTML string."""
    view = build_view(status)
    return _environment().get_template(INDEX_TEMPLATE).render(_context(view))


def render_detail_pages(status: Mapping[str, Any]) -> dict[str, str]:
    """One HTML page per resource, keyed by its slug (the file is ``resources/<slug>.html``).

    The view is built once, so slugs agree with the links on index.html.
    """
    view = build_view(status)
    template = _environment().get_template(DETAIL_TEMPLATE)
    return {r.slug: template.render(_context(view), r=r) for r in view.resources}
