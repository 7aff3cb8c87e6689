"""Content-change detection: same fingerprint when only boilerplate or volatile parts
change (dates, tokens, ads, cookie banners, navigation), a different one and a useful
summary when the content itself changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract.maintext import change_summary, fingerprint, main_text, normalize_volatile
from crawler.extract.resource_page import ResourcePage, read_resource_page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "maintext"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- the fixture pages -------------------------------------------------------------------

# (page, same content re-rendered on another day, same page with a real content change)
PAGES = [
    ("es_noticia_a.html", "es_noticia_b.html", "es_noticia_cambio.html"),
    ("fr_actualite_a.html", "fr_actualite_b.html", "fr_actualite_modifiee.html"),
]


@pytest.mark.parametrize(("first", "again", "_changed"), PAGES)
def test_boilerplate_and_volatile_differences_keep_the_fingerprint(first: str, again: str, _changed: str) -> None:
    assert fixture(first) != fixture(again)
    assert fingerprint(main_text(fixture(first))) == fingerprint(main_text(fixture(again)))


def test_a_resource_page_comes_with_its_main_texts_fingerprint() -> None:
    """Worked out in the thread that reads the page (not on the crawl's reactor thread)."""
    def read(body: bytes, content_type: str) -> ResourcePage:
        return read_resource_page(body, content_type, "http://a.example/", explicit_feed=None, selectors=None,
                                  language=None, fetched_at=datetime(2026, 1, 1, tzinfo=UTC))

    page = read(fixture("es_noticia_a.html"), "text/html; charset=utf-8")
    assert page.main_text and page.fingerprint == fingerprint(page.main_text)
    assert read(b"%PDF-1.7", "application/pdf").fingerprint is None


@pytest.mark.parametrize(("first", "again", "changed"), PAGES)
def test_a_content_change_changes_the_fingerprint(first: str, again: str, changed: str) -> None:
    assert fingerprint(main_text(fixture(changed))) != fingerprint(main_text(fixture(again)))
    assert fingerprint(main_text(fixture(changed))) != fingerprint(main_text(fixture(first)))


@pytest.mark.parametrize(
    ("old", "new", "added", "removed"),
    [
        (
            "es_noticia_b.html",
            "es_noticia_cambio.html",
            "El Ayuntamiento abrirá en diciembre una nueva convocatoria de ayudas",
            "Las obras empezarán en enero",
        ),
        (
            "es_noticia_a.html",  # other day's boilerplate: still only the content shows
            "es_noticia_cambio.html",
            "El Ayuntamiento abrirá en diciembre una nueva convocatoria de ayudas",
            "Las obras empezarán en enero",
        ),
        (
            "fr_actualite_b.html",
            "fr_actualite_modifiee.html",
            "Une réunion publique de présentation se tiendra le 4 décembre",
            "Les premiers travaux sont prévus pendant les vacances d'été.",
        ),
    ],
)
def test_change_summary_names_the_new_sentence(old: str, new: str, added: str, removed: str) -> None:
    summary = change_summary(main_text(fixture(old)), main_text(fixture(new)))
    assert len(summary) <= 280
    assert summary.startswith('+ "' + added)
    assert f'− "{removed}' in summary
    assert re.search(r"\((2|3) sentences changed\)$", summary)


@pytest.mark.parametrize(("first", "again", "_changed"), PAGES)
def test_summary_of_a_re_rendered_page_is_no_change(first: str, again: str, _changed: str) -> None:
    assert change_summary(main_text(fixture(first)), main_text(fixture(again))) == "no change"


@pytest.mark.parametrize(
    ("page", "kept", "dropped"),
    [
        (
            "es_noticia_a.html",
            [
                "Villanueva amplía su red de carriles bici hasta los 120 kilómetros",  # article header
                "El pleno municipal aprobó este martes la segunda fase",
                "Un ciclista recorre el nuevo carril de la avenida del Puerto.",  # figcaption
                "«Queremos que cualquier vecino",
                "Un calendario por barrios",
                "Última actualización",
            ],
            [
                "cookies",  # banner
                "Aceptar todas",
                "Portada",  # nav, breadcrumbs
                "Buscar",  # search form in the header
                "Estrena coche",  # leaderboard ad
                "Publicidad",  # inline ad
                "Compartir",  # share buttons
                "Etiquetas",  # article footer
                "Lo más leído",  # sidebar
                "Aviso legal",  # site footer
                "boletín",
                "window.__SESSION__",  # script
                "render",  # HTML comment
                "min-height",  # style
            ],
        ),
        (
            "fr_actualite_a.html",
            [
                "Saint-Aubin lance un budget participatif pour végétaliser les cours d'école",
                "Par Camille Roux",
                "Chaque projet doit être porté par au moins trois habitants ou une association.",
                "Les premiers travaux sont prévus pendant les vacances d'été.",
            ],
            [
                "partenaires",  # bandeau-cookies
                "Le Courrier des Territoires",  # role=banner header
                "Accueil",  # role=navigation, fil d'Ariane
                "Publicité",  # div.pub
                "Annonce",  # div.publicite
                "Partager",  # div.partage
                "À lire aussi",  # aside teasers
                "tramway",
                "Mentions légales",  # div#pied-de-page
                "jeton",
            ],
        ),
    ],
)
def test_main_text_keeps_content_and_drops_boilerplate(page: str, kept: list[str], dropped: list[str]) -> None:
    text = main_text(fixture(page))
    for phrase in kept:
        assert phrase in text
    for phrase in dropped:
        assert phrase not in text


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.html")))
def test_text_and_bytes_give_the_same_result(name: str) -> None:
    data = fixture(name)
    assert main_text(data) == main_text(data.decode("utf-8"))
    assert fingerprint(main_text(data)) == fingerprint(main_text(data.decode("utf-8")))
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint(main_text(data)))


def test_bytes_are_decoded_by_the_declared_charset() -> None:
    html = '<html><head><meta charset="windows-1252"></head><body><main><p>Café à l’hôtel de ville</p></main></body></html>'
    assert main_text(html.encode("cp1252")) == "Café à l’hôtel de ville"


# --- main_text rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # <main> wins over everything around it
        ("<body><div>Intro teaser</div><main><p>Body</p></main><div>Outro</div></body>", "Body"),
        # role=main when there is no <main>
        ('<body><div>Around</div><div role="main"><p>Inside</p></div></body>', "Inside"),
        # the largest of several <main>/role=main
        ('<body><main><p>short</p></main><div role="main"><p>much longer text here</p></div></body>',
         "much longer text here"),
        # a dominant <article>
        ("<body><p>Site intro</p><article><h1>Title</h1><p>A long article body with many words.</p></article>"
         "<article>Teaser</article></body>", "Title\nA long article body with many words."),
        # a listing of similar teasers: no single article dominates, keep them all
        ("<body><article>First story</article><article>Second story</article>"
         "<article>Third story</article></body>", "First story\nSecond story\nThird story"),
        # an article's own header (headline, byline) is content; the page header is not
        ("<body><header>Site name</header><article><header><h1>Headline</h1></header><p>Text</p>"
         "<footer>Tags: a, b</footer></article></body>", "Headline\nText"),
        # block elements give lines, inline ones do not
        ("<main><p>Hello <b>big</b> <a href='#'>world</a></p><ul><li>one</li><li>two</li></ul>"
         "line<br>break</main>", "Hello big world\none\ntwo\nline\nbreak"),
        ("<main><p>   spread\n\n   over\tlines   </p></main>", "spread over lines"),
        ("<main><p>foo<span>bar</span></p></main>", "foobar"),
        # state classes on wrappers do not remove them
        ('<body class="has-sidebar nav-open"><div class="page no-banner is-menu-open"><p>Kept</p></div></body>',
         "Kept"),
        # words that merely contain a short furniture word are not furniture
        ('<main><div class="header-image download shadow loaded"><p>Kept too</p></div></main>', "Kept too"),
        # a furniture class on a wrapper of the article does not delete the article
        ('<body><div class="layout-with-sidebar sidebar-left"><article><p>Story</p></article>'
         '<div class="sidebar">Links</div></div></body>', "Story"),
        ("<main><p>a</p><!-- hidden comment --><script>var x = 1;</script><noscript>Enable JS</noscript>"
         "<template><p>tpl</p></template><svg><text>chart</text></svg><p>b</p></main>", "a\nb"),
        ('<main><div class="newsletter-signup">Subscribe now</div><p>Real</p>'
         '<div id="gdpr-modal">Privacy choices</div><nav>Prev | Next</nav></main>', "Real"),
        ('<main><div role="navigation">Menu</div><div class="social-links">Follow</div><p>Text</p></main>', "Text"),
        # content-ish class names that only look like furniture words
        ('<main><div class="elementor-widget elementor-widget-text-editor"><p>Built with Elementor</p></div>'
         '<section class="social-housing"><p>Social housing programme</p></section>'
         '<ul class="pub-list"><li>Working paper 12</li></ul></main>',
         "Built with Elementor\nSocial housing programme\nWorking paper 12"),
        ("<html><body></body></html>", ""),
        ("just text, no tags", "just text, no tags"),
        ("", ""),
    ],
    ids=[
        "main", "role-main", "largest-main", "dominant-article", "listing", "article-header",
        "blocks", "whitespace", "inline", "state-classes", "substring-false-positives",
        "guarded-wrapper", "noise-tags", "furniture-in-main", "roles-and-social", "content-classes",
        "empty-body",
        "plain-text", "empty",
    ],
)
def test_main_text(html: str, expected: str) -> None:
    assert main_text(html) == expected


def test_a_new_teaser_on_a_listing_page_is_a_change() -> None:
    listing = "<body><nav>Home</nav>{}</body>"
    teasers = [f"<article><h2>Story {n}</h2><p>Summary of story {n}.</p></article>" for n in range(4)]
    before = listing.format("".join(teasers[1:]))
    after = listing.format("".join(teasers))
    assert fingerprint(main_text(before)) != fingerprint(main_text(after))
    assert change_summary(main_text(before), main_text(after)) == '+ "Story 0" (2 sentences changed)'


# --- volatile parts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO dates and times
        ("2026-11-25", "<date>"),
        ("Generated 2026-11-25T12:03:07Z.", "Generated <date>."),
        ("at 2026-11-25 12:03:07.123+01:00 by cron", "at <date> by cron"),
        # day month year, in English, Spanish and French
        ("25 Nov 2026", "<date>"),
        ("25 November 2026", "<date>"),
        ("Tuesday 25th November", "<date>"),
        ("Martes, 25 de noviembre de 2026", "<date>"),
        ("el 3 de dic. de 2026", "el <date>"),
        ("mardi 25 novembre 2026", "<date>"),
        ("le 1er déc. 2026", "le <date>"),
        ("25 août", "<date>"),
        # month day, year
        ("November 25, 2026", "<date>"),
        ("Nov. 25 2026", "<date>"),
        ("Tuesday, November 25", "<date>"),
        # month year
        ("noviembre de 2026", "<date>"),
        ("Nov 2026", "<date>"),
        # numeric dates
        ("25/11/2026", "<date>"),
        ("25.11.26", "<date>"),
        ("11-25-2026", "<date>"),
        # times
        ("12:03", "<time>"),
        ("a las 12:03:59", "a las <time>"),
        ("9:05 pm", "<time>"),
        ("9:05 a.m. EST", "<time> EST"),
        ("à 12h03", "à <time>"),
        # relative times
        ("3 hours ago", "<ago>"),
        ("updated 5 min ago", "updated <ago>"),
        ("hace 2 días", "<ago>"),
        ("il y a 3 heures", "<ago>"),
        # tokens
        ("session a41f9c2e77d04b6b9e0c5d18f3a2b7e1", "session <token>"),
        ("id 7c9e6679-7425-40de-944b-e07fc1f90ae7", "id <token>"),
        ("csrf=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==", "csrf=<token>"),
        ("token k3JhZ0xQbW9tT1d2YTRmS2R4cE5zR2hRdVk5Mw end", "token <token> end"),
        ("app.js?cb=1764072187", "app.js?cb=<token>"),
        ("ts 1764072187123", "ts <token>"),
        # counters
        ("1,234 views", "<n> views"),
        ("1.234 visitas", "<n> visitas"),
        ("1 234 vues", "<n> vues"),
        ("1\u202f234 vues", "<n> vues"),
        ("12k likes", "<n> likes"),
        ("Comentarios: 12", "Comentarios: <n>"),
        ("Views: 1,234", "Views: <n>"),
        ("3 me gusta", "<n> me gusta"),
        # copyright years
        ("© 2026 Crónica Urbana", "© <year> Crónica Urbana"),
        ("(c) 2019-2026", "(c) <year>"),
        # whitespace
        ("  a \t b  \n c  ", "a b\nc"),
    ],
)
def test_normalize_volatile_masks(text: str, expected: str) -> None:
    assert normalize_volatile(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "El presupuesto asciende a 14,2 millones de euros.",
        "35 kilómetros de carriles bici",
        "La Agenda 2030 tiene 17 objetivos.",
        "Le vote aura lieu en mars, après une étude.",
        "Population: 1,234,567 inhabitants",
        "internationalization and decentralisation",
        "Article 12 of the 1992 treaty",
        "En 2026, la ciudad creció un 3 %.",
        "Call +34 91 555 12 34",
    ],
)
def test_normalize_volatile_keeps_content(text: str) -> None:
    assert normalize_volatile(text) == text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Publicado el 25 de noviembre de 2026 a las 12:03 · 1.234 visitas",
         "Publicado el 3 de enero de 2027 a las 08:47 · 98.110 visitas"),
        ("Mis à jour il y a 3 heures", "Mis à jour il y a 22 heures"),
        ("Request 3f2a9c0e7b1d4e5fa6b7c8d9", "Request 0011aabbccddeeff00112233"),
        ("Last updated: November 25, 2026", "Last updated: December 1, 2026"),
    ],
)
def test_volatile_variants_normalize_alike(a: str, b: str) -> None:
    assert normalize_volatile(a) == normalize_volatile(b)


# --- change_summary ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Same. Text.", "Same. Text.", "no change"),
        ("Same text.", "Same   text.", "no change"),
        ("Updated 25/11/2026.", "Updated 26/11/2026.", "no change"),
        ("One.", "One. Two.", '+ "Two." (1 sentence changed)'),
        ("One. Two. Three.", "One.", '− "Two." (2 sentences changed)'),
        ("Deadline in May.", "Deadline in June.", '+ "Deadline in June." − "Deadline in May." (1 sentence changed)'),
        ("", "First words", '+ "First words" (1 sentence changed)'),
    ],
)
def test_change_summary(old: str, new: str, expected: str) -> None:
    assert change_summary(old, new) == expected


@pytest.mark.parametrize("max_chars", [1, 5, 20, 40, 80, 280])
def test_change_summary_respects_max_chars(max_chars: int) -> None:
    old = "Intro. " + "The old headline talks about bicycles and the river at length. " * 3
    new = "Intro. " + "A new call for proposals on urban gardens opens next week for every district. " * 3
    summary = change_summary(old, new, max_chars=max_chars)
    assert len(summary) <= max_chars
    if max_chars >= 80:
        assert summary.startswith('+ "A new call')
        assert summary.endswith("(3 sentences changed)")  # 3 replaced by 3
    if max_chars == 80:
        assert "…" in summary  # the quotes were clipped to fit


def test_change_summary_rejects_zero_length() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        change_summary("a", "b", max_chars=0)


# --- robustness --------------------------------------------------------------------------

TAGS = ["html", "body", "main", "article", "nav", "header", "footer", "aside", "div", "p", "span",
        "script", "style", "template", "svg", "ul", "li", "br", "table", "td", "a", "button"]
ATTRS = ['', ' class="cookie-banner"', ' role="main"', ' id="nav"', ' class="has-sidebar"',
         ' role="navigation"', ' class="ad"', ' hidden', ' class=', ' role']
html_soup = st.lists(
    st.one_of(
        st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(TAGS), st.sampled_from(ATTRS)),
        st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
        st.text(max_size=30),
        st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&#0;", "&#xD800;", "<", ">", "\x00",
                         "25/11/2026", "12:03", "<meta charset='bogus'>", "<?xml version='1.0'?>",
                         "<!DOCTYPE html>"]),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), html_soup))
def test_never_raises_on_text(html: str) -> None:
    text = main_text(html)
    assert isinstance(text, str)
    assert "\n\n" not in text and text == text.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint(main_text(html)))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(), html_soup.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_never_raises_on_bytes(data: bytes) -> None:
    assert isinstance(main_text(data), str)
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint(main_text(data)))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_volatile_is_idempotent(text: str) -> None:
    once = normalize_volatile(text)
    assert normalize_volatile(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300), st.integers(1, 400))
def test_change_summary_never_raises_and_fits(old: str, new: str, max_chars: int) -> None:
    summary = change_summary(old, new, max_chars=max_chars)
    assert 0 < len(summary) <= max_chars
