"""Render the status document (the same dict written as status.json) into index.html
and one detail page per resource (resources/<slug>.html).

Every page is one static file with no external assets, so it can be served from
anywhere (GitHub Pages, a bucket, a file share) and opened offline. Its one inline
script (clock.js, allowed by hash) only turns absolute UTC times into relative ones
as the page is read, and shows the out-of-date warning; without it the page is whole.
Everything scraped from the web is untrusted: the environment autoescapes all
output and only http(s) URLs ever become links. Charts are inline SVG whose
coordinates are computed in Python, so the templates only ever print numbers into them.
Filtering works without JavaScript: radio inputs plus CSS rules generated from
CSS-safe keys (never from raw tag text).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import markupsafe

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
CLOCK_SCRIPT = (TEMPLATE_DIR / "clock.js").read_text(encoding="utf-8")
"""The page's one script: relative times and the out-of-date warning, as the page is read."""


def content_security_policy(script: str = CLOCK_SCRIPT) -> str:
    """The pages' CSP: nothing loads, and the only script that runs is ours, allowed by
    its hash, so markup injected by a scraped value could not run even if it escaped."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
            "base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'")


CSP = content_security_policy()


class TemplateCodeCache(jinja2.FileSystemBytecodeCache):
    """The templates' compiled code, kept between runs in Jinja's per-user cache folder
    (``$TMPDIR/_jinja2-cache-UID``, mode 0700, keyed by each template's source):
    compiling the report's templates took about 0.11 s of CPU at every run's end. A cache that
    cannot be read or written (a full disk, a stale file) costs a compilation, never
    the report."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError, TypeError):  # marshal's errors on a damaged file
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


_KEEP_COMPILED = True  # keep_compiled_templates()


def keep_compiled_templates(keep: bool) -> None:
    """Whether this process keeps the templates' compiled code for later runs (before
    the first page is rendered): `healthcrawl check` promises to leave no file behind."""
    global _KEEP_COMPILED
    _KEEP_COMPILED = keep


def template_code_cache() -> jinja2.BytecodeCache | None:
    """A TemplateCodeCache, or None where Jinja finds no private folder for it (or the
    process keeps nothing: keep_compiled_templates)."""
    if not _KEEP_COMPILED:
        return None
    try:
        return TemplateCodeCache()
    except (OSError, RuntimeError):  # RuntimeError: the folder exists and is not ours alone
        return None


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
        bytecode_cache=template_code_cache(),
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


def _context(view: PageView, root: str) -> dict[str, Any]:
    """`root` leads from the page to the report's folder: "" for index.html, "../" below it."""
    return {
        "page": view,
        "root": root,
        "csp": CSP,
        "clock_script": markupsafe.Markup(CLOCK_SCRIPT),  # our constant, never data
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
    return _environment().get_template(INDEX_TEMPLATE).render(_context(view, ""))


def render_detail_pages(status: Mapping[str, Any]) -> dict[str, str]:
    """One HTML page per resource, keyed by its slug (the file is ``resources/<slug>.html``).

    The view is built once, so slugs agree with the links on index.html.
    """
    view = build_view(status)
    template = _environment().get_template(DETAIL_TEMPLATE)
    context = _context(view, "../")
    return {r.slug: template.render(context, r=r) for r in view.resources}
