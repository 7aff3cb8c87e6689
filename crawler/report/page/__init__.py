"""The static status page: index.html and one detail page per resource.

Three jobs, one module each: :mod:`.filters` (how values read), :mod:`.views`
(view models built from the status document), :mod:`.sparkline` (chart
coordinates) and :mod:`.render` (the Jinja environment and the two page kinds).
The names below are the package's public interface.
"""

from __future__ import annotations

from crawler.report.page.filters import (
    FILTERS,
    duration_ms,
    filesize,
    fmt_date,
    fmt_percent,
    fmt_span,
    fmt_time,
    parse_time,
    safe_href,
    tag_key,
)
from crawler.report.page.render import (
    DETAIL_TEMPLATE,
    INDEX_TEMPLATE,
    TEMPLATE_DIR,
    make_environment,
    render_detail_pages,
    render_index,
)
from crawler.report.page.sparkline import Sparkline, build_sparkline
from crawler.report.page.views import (
    CHECK_LABELS,
    CHECK_STATES,
    CHECK_SYMBOLS,
    DETAIL_DIR,
    HISTORY_SLOTS,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    UNKNOWN,
    PageView,
    ResourceView,
    build_view,
)

__all__ = [
    "CHECK_LABELS",
    "CHECK_STATES",
    "CHECK_SYMBOLS",
    "DETAIL_DIR",
    "DETAIL_TEMPLATE",
    "FILTERS",
    "HISTORY_SLOTS",
    "INDEX_TEMPLATE",
    "STATUS_LABELS",
    "STATUS_SYMBOLS",
    "TEMPLATE_DIR",
    "UNKNOWN",
    "PageView",
    "ResourceView",
    "Sparkline",
    "build_sparkline",
    "build_view",
    "duration_ms",
    "filesize",
    "fmt_date",
    "fmt_percent",
    "fmt_span",
    "fmt_time",
    "make_environment",
    "parse_time",
    "render_detail_pages",
    "render_index",
    "safe_href",
    "tag_key",
]
