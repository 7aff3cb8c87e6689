"""Whether a page's HTML is an application shell that only scripts fill in.

`render: auto` fetches plainly and opens the browser only for such a page, so the
browser's cost is paid where it reads something the HTML does not hold.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

VISIBLE_TEXT_MAX = 200  # characters: less than a sentence or two of real content
# Titles the scaffolding of common frameworks ships with, or a loading message.
PLACEHOLDER_TITLE = re.compile(
    r"^\s*(?:|app|web ?app|react app|vite app|vite \+ \w+(?: \+ \w+)?|vue app|angular|\w+ app|"
    r"loading(?:\s*(?:\.\.\.|…))?|untitled|document|index|home)\s*$",
    re.IGNORECASE,
)
NOTHING_TO_READ = 20  # characters: a page with scripts and less text than this is all script
# The empty element a framework mounts into: id="app", id="root", Next.js, Nuxt, ...
MOUNT_POINT = re.compile(r"^(?:app|root|main|__next|__nuxt|__layout|svelte|application)$", re.IGNORECASE)
MOUNT_TAGS = ["div", "main", "section"]
APP_ELEMENTS = ["app-root"]  # Angular mounts into its own element, which needs no id


def looks_like_app_shell(html: bytes | str) -> bool:
    """Almost no visible text, at least one script, and nothing else to read: no
    title or a placeholder one, an empty element the app mounts into, or no text at all.

    >>> looks_like_app_shell(b'<title>Vite App</title><div id="app"></div><script src="/main.js"></script>')
    True
    >>> looks_like_app_shell(b'<title>Ville de Bruxelles</title><div id="root"></div><script src="/a.js"></script>')
    True
    >>> looks_like_app_shell(b'<title>Ville</title><main><p>' + b'Texte. ' * 60 + b'</p></main><script></script>')
    False
    >>> looks_like_app_shell(b'<title></title><p>No scripts here.</p>')
    False
    """
    soup = BeautifulSoup(html, "lxml")
    if soup.find("script") is None:
        return False
    title = soup.title.get_text() if soup.title is not None else None
    # Not <head> itself: lxml keeps a <main> it does not know in a head that was never
    # closed, and the page's text would go with it.
    for element in soup(["script", "style", "noscript", "template", "title"]):
        element.decompose()
    text = " ".join(soup.get_text(" ").split())
    if len(text) >= VISIBLE_TEXT_MAX:
        return False
    if title is None or PLACEHOLDER_TITLE.match(title) or len(text) < NOTHING_TO_READ:
        return True
    if any(not element.get_text(strip=True) for element in soup.find_all(APP_ELEMENTS)):
        return True
    return any(MOUNT_POINT.match(str(element.get("id", ""))) and not element.get_text(strip=True)
               for element in soup.find_all(MOUNT_TAGS))
