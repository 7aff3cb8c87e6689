"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) beside each Atom feed: the same
announcements with the same ids, for readers and scripts that prefer JSON.

An item first seen within the `new_for` window is tagged "new", as the Atom entry
carries ``<category term="new">``. Values are data, never markup: the summary goes to
``content_text``, so a reader shows it as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from crawler.extract.urls import is_web_url
from crawler.report.atom import entry_id

VERSION = "https://jsonfeed.org/version/1.1"


def build_json_feed(
    *,
    title: str,
    entries: Iterable[dict[str, Any]],
    resources: dict[str, dict[str, Any]],
    home_page_url: str | None = None,
    new_ids: frozenset[int] | set[int] = frozenset(),
) -> str:
    """A JSON Feed document; arguments as crawler.report.atom.build_feed's.

    >>> doc = json.loads(build_json_feed(title="t", resources={"r": {"name": "R", "url": "https://r.org/"}},
    ...     entries=[{"id": 1, "resource_id": "r", "key": "k", "title": "Hi", "url": "javascript:x",
    ...               "published": None, "updated_at": "2026-01-01T00:00:00Z", "summary": None}], new_ids={1}))
    >>> doc["items"][0]["tags"], "url" in doc["items"][0], doc["items"][0]["content_text"]
    (['R', 'new'], False, 'Hi')
    """
    items = []
    for row in entries:
        resource = resources.get(row["resource_id"], {"name": row["resource_id"], "url": ""})
        item: dict[str, Any] = {
            "id": entry_id(resource["url"], row["resource_id"], row["key"]),
            "title": row["title"],
            "content_text": row.get("summary") or row["title"],
            "authors": [{"name": resource["name"]}],
            "tags": [resource["name"], *(["new"] if row.get("id") in new_ids else [])],
        }
        if is_web_url(row.get("url")):
            item["url"] = row["url"]
        if row.get("summary"):
            item["summary"] = row["summary"]
        if row.get("published"):
            item["date_published"] = row["published"]
        if row.get("updated_at"):
            item["date_modified"] = row["updated_at"]
        items.append(item)
    feed: dict[str, Any] = {"version": VERSION, "title": title}
    if home_page_url and is_web_url(home_page_url):
        feed["home_page_url"] = home_page_url
    feed["items"] = items
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"
