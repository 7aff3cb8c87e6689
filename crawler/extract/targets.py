"""Where a link leads: an item's own page, another page of the site, or something no
announcement is.

An announcement is a page of its own. A link to a file (``.pdf``, ``.docx``, a picture)
is an attachment of the page it sits on, a link to a tag, category, author or
label archive is the site's taxonomy, and a link to a person's profile page names a
person: they lead to no item, whatever the page around
them looks like. All are told by the URL alone, the same on every site: CMSs name
these archives after what they are (``/tag/…``, ``/category/…``, ``/author/…``,
Blogger's ``/search/label/…``), in the site's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

# Files a browser downloads or shows as they are, not pages.
_FILE = re.compile(
    r"\.(?:pdf|docx?|odt|rtf|xlsx?|ods|csv|pptx?|odp|zip|rar|7z|gz|tgz|epub|ics|vcf"
    r"|jpe?g|png|gif|webp|svg|tiff?|mp3|wav|ogg|mp4|m4a|mov|avi|webm)$",
    re.IGNORECASE,
)
# Archive names of a site's taxonomy, as CMSs spell them in the languages of the seed
# (WordPress, Drupal, Hugo, Jekyll, Blogger and their translations).
_TAXONOMY = frozenset({
    "tag", "tags", "category", "categories", "author", "authors", "label", "labels",
    "schlagwort", "schlagworte", "stichwort", "kategorie", "kategorien", "autor", "autoren",
    "etiquette", "etiquettes", "categorie", "auteur", "auteurs", "mot-cle", "mots-cles",
    "etiqueta", "etiquetas", "categoria", "categorias", "autores",
    "autore", "autori", "argomento", "argomenti",
    "categorieen", "trefwoord", "trefwoorden", "onderwerp",
    "assunto", "assuntos",
})
_TAXONOMY_QUERY = frozenset({"tag", "cat", "category", "author", "label"})
# Folders of people's profile pages (a lab's "/members/jo.html", a forum's "/user/jo",
# a faculty's "/people/jo-doe/"): a person, like an author archive, is no announcement.
_PEOPLE = frozenset({
    "member", "members", "people", "person", "persons", "profile", "profiles", "user", "users",
    "mitglieder", "personen", "personal", "membres", "personnes", "miembros", "personas",
    "membri", "persone", "leden", "medewerkers", "membros", "pessoas",
})
_PAGER = re.compile(r"^(?:page|seite|pagina|p)$")


def is_attachment(url: str) -> bool:
    """A file, not a page: the attachment of an item, never an item.

    >>> is_attachment("https://city.example/files/2019-01/agenda.pdf"), is_attachment("https://e.org/news/agenda")
    (True, False)
    """
    return bool(_FILE.search(urlsplit(url).path))


def is_taxonomy(url: str) -> bool:
    """A tag, category, author or label archive: a term of the site's taxonomy.

    The archive's name is followed by the term and nothing else (a pager aside):
    ``/blog/topics/retail/a-post`` is a post filed under a topic, ``/tag/retail/`` the
    topic's archive.

    >>> is_taxonomy("https://e.org/tag/budget/"), is_taxonomy("https://e.org/search/label/Python")
    (True, True)
    >>> is_taxonomy("https://e.org/category/news/page/2/"), is_taxonomy("https://e.org/news/?tag=x")
    (True, True)
    >>> is_taxonomy("https://e.org/tags/"), is_taxonomy("https://e.org/author/jo/my-post")
    (False, False)
    """
    parts = urlsplit(url)
    segments = [unquote(s).casefold() for s in parts.path.split("/") if s]
    if len(segments) >= 3 and _PAGER.match(segments[-2]) and segments[-1].isdigit():
        segments = segments[:-2]
    if len(segments) >= 2 and segments[-2] in _TAXONOMY:
        return True
    return any(key.casefold() in _TAXONOMY_QUERY for key, _ in parse_qsl(parts.query))


def is_profile(url: str) -> bool:
    """A person's profile page: a folder of people followed by one name, nothing else.

    >>> is_profile("https://lab.example/members/robert-miller.html"), is_profile("https://e.org/people/jo-doe/")
    (True, True)
    >>> is_profile("https://e.org/members/"), is_profile("https://e.org/news/members-meeting-2024/")
    (False, False)
    """
    segments = [unquote(s).casefold() for s in urlsplit(url).path.split("/") if s]
    return len(segments) >= 2 and segments[-2] in _PEOPLE


# Social networks whose posts a page embeds (a "Tweets" box) or links as its accounts:
# their links are the network's posts, accounts and link-shorteners, never the site's
# own announcements. Video hosts are not here: a linked video is a post of its own.
_SOCIAL_HOSTS = frozenset({
    "twitter.com", "x.com", "t.co", "facebook.com", "fb.me", "instagram.com", "threads.net", "bsky.app",
})


def is_social_network(url: str) -> bool:
    """A link into a social network (a tweet, an account, a t.co short link): no announcement.

    >>> is_social_network("http://t.co/KWw6CQHKSY"), is_social_network("https://mobile.twitter.com/LabCDMX")
    (True, True)
    >>> is_social_network("https://www.youtube.com/watch?v=i4PCYQSaOEo"), is_social_network("https://ex.org/x.com")
    (False, False)
    """
    host = (urlsplit(url).hostname or "").casefold()
    return any(host == social or host.endswith("." + social) for social in _SOCIAL_HOSTS)


def leads_to_item(url: str) -> bool:
    """Could the URL be an announcement's own page (not a file, not a taxonomy archive,
    not a person's profile, not a social network's post or account)?"""
    return not is_attachment(url) and not is_taxonomy(url) and not is_profile(url) and not is_social_network(url)


# A date in the path: /2024/10/, /20241014, or a slug that opens with its day
# (/news/2025-04-12_kleidertauschparty, a post named like its file).
_DATE_IN_PATH = re.compile(
    r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])/|/(?:19|20)\d{2}(?:0[1-9]|1[0-2])[0-3]\d"
    r"|/(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-[0-3]\d(?:[_-]|$)"
)
# An id of five digits or more ("/item/show/638010", "-4960288.html"), or ?p=12 and kin.
_NUMBER_ID = re.compile(r"(?<![a-z0-9])\d{5,}(?![a-z0-9])")
# An id in the query, alone or as a plugin's field (RedDot's "publish[id]=306188",
# TYPO3's "tx_news_pi1[news]=123").
_ID_QUERY = re.compile(r"(?:^|&)(?:\w+\[)?(?:p|id|nid|item|article|news)\]?=\d+(?:&|$)", re.IGNORECASE)
_SLUG_SPLIT = re.compile(r"[^a-z0-9]+")
_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def folded_words(text: str, *, german: bool = False) -> list[str]:
    """Lower-case ASCII words, accents dropped ("Bahnhöfe" -> "bahnhofe", or "bahnhoefe")."""
    text = text.casefold()
    if german:
        text = text.translate(_GERMAN)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [w for w in _SLUG_SPLIT.split(ascii_text) if w]


def is_detail_url(url: str, title: str) -> bool:
    """Does the URL look like one item's own page rather than a section of the site?

    CMSs give posts permalinks: the title spelled as a slug
    (``/herrmann-zeichnet-verdiente-bergretter-aus/``), a date in the path
    (``/2024/10/14/nobel/``) or a number (``/item/show/638010``, ``-4960288.html``).
    A menu's ``/about-us/staff`` has none of these.

    >>> is_detail_url("https://bayern.de/ausbau-weiterer-barrierefreier-bahnhoefe/", "Ausbau weiterer barrierefreier Bahnhöfe")
    True
    >>> is_detail_url("https://e.org/2024/10/14/nobel/", "Premio Nobel"), is_detail_url("https://e.org/item/show/638010", "x")
    (True, True)
    >>> is_detail_url("https://e.org/2346_DEU_WWW.php?&publish[id]=306873&publish[start]=0", "Neues Adressbuch")
    True
    >>> is_detail_url("https://e.org/services/youth-mentoring", "Youth mentoring programme for teenagers")
    False
    """
    parts = urlsplit(url)
    path = unquote(parts.path)
    if _DATE_IN_PATH.search(path) or _NUMBER_ID.search(path.lower()) or _ID_QUERY.search(unquote(parts.query)):
        return True
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    slug = folded_words(_EXTENSION.sub("", segments[-1].lower()))
    if len(slug) < 3:
        return False
    words = set(folded_words(title)) | set(folded_words(title, german=True))
    hits = sum(1 for w in slug if w in words or any(t.startswith(w) for t in words if len(w) >= 4))
    return hits >= 3 and hits * 3 >= len(slug)


# Folders of an events section, folded (folded_words): an item there is an event.
_EVENT_FOLDERS = frozenset({
    "events", "event", "eventi", "evento", "eventos", "agenda", "veranstaltungen", "termine",
    "evenementen", "evenements", "evenement", "esdeveniments", "wydarzenia", "arrangementer",
})


def is_event_url(url: str) -> bool:
    """Is the URL a page inside a folder of events alone (``/eventi/cena-di-natale/``)?
    A "news-events" folder mixes reports of past events with the events.

    >>> is_event_url("https://club.example.it/eventi/cena-di-natale/"), is_event_url("https://e.org/news/eventi")
    (True, False)
    >>> is_event_url("https://uni.example.in/news-events/538-workshop-held-during-10-12-may-2014")
    False
    """
    folders = [unquote(s) for s in urlsplit(url).path.split("/") if s][:-1]
    return any("".join(folded_words(folder)) in _EVENT_FOLDERS for folder in folders)


_INDEX = re.compile(r"/(?:index|default)\.[a-z]+$", re.IGNORECASE)
# A language's root (/en, /pt-br) is a home page, not a section.
_LANGUAGE_ROOT = re.compile(r"/[a-z]{2}(?:[-_][a-z]{2,4})?", re.IGNORECASE)


def _path(url: str) -> str:
    return _INDEX.sub("", unquote(urlsplit(url).path)).rstrip("/")


def page_section(page: str, links: Iterable[str]) -> str:
    """The page's own address as a section of its site, whose items live below it
    (``/actualites/`` lists ``/actualites/braderie/``), or "" when the page is a home:
    the site's root, a language's root (``/en/``), or a page none of whose ``links``
    to its site leads out of it (a project site's home at ``/project/``, whose menu
    leads only below it). A section's menu leads up and across.

    >>> page_section("https://e.org/fpvl/noticias/", ["https://e.org/fpvl/", "https://e.org/fpvl/noticias/a/"])
    '/fpvl/noticias'
    >>> page_section("https://e.org/fpvl/", ["https://e.org/fpvl/sobre/", "https://other.org/"])
    ''
    >>> page_section("https://e.org/en/", ["https://e.org/fr/"]), page_section("https://e.org/", ["https://x.org/"])
    ('', '')
    """
    try:
        section = _path(page)
    except ValueError:  # not a URL ("http://[" is refused by urlsplit): no section
        return ""
    if not section or _LANGUAGE_ROOT.fullmatch(section):
        return ""
    for url in links:
        if same_site(url, page) and not (_path(url) + "/").startswith(section + "/"):
            return section
    return ""


def is_below(url: str, section: str, page: str) -> bool:
    """Does the URL lead below the page's ``section`` (page_section), on its site?

    >>> is_below("https://e.org/fpvl/noticias/assembleia/", "/fpvl/noticias", "https://e.org/fpvl/noticias/")
    True
    >>> is_below("https://e.org/news/x", "", "https://e.org/"), is_below("https://e.org/newsletter", "/news", "https://e.org/news")
    (False, False)
    """
    return bool(section) and same_site(url, page) and _path(url).startswith(section + "/")


def same_site(url: str, page: str) -> bool:
    """Same host as the page, "www." aside: a site's own items, not its partners' pages.

    >>> same_site("https://www.stuttgart.de/item/1", "http://stuttgart.de/"), same_site("https://flickr.com/x", "https://stuttgart.de/")
    (True, False)
    """
    def host(u: str) -> str:
        name = (urlsplit(u).hostname or "").lower()
        return name[4:] if name.startswith("www.") else name

    return host(url) == host(page)
