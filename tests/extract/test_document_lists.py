"""Lists that are not news (issue 19, round 10): a council's meetings, each row linking its
documents by the same word. Small pages built like the kind, not copies of saved pages."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract.announcements import read_announcements

FETCHED_AT = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)


def _meetings_page() -> str:
    rows = "".join(
        f"<tr class='row'><td class='item'>{name}</td><td class='item'>{day} - 5:00 PM</td>"
        f"<td class='item'>01h 20m</td><td class='item'><a href='//agendas.example.gov/Viewer.php?clip_id={clip}'>Agenda</a></td>"
        f"<td class='item'><a href='//agendas.example.gov/Minutes.php?clip_id={clip}'>Minutes</a></td></tr>"
        for name, day, clip in [
            ("Regular Council Meeting", "November 19, 2025", 7169), ("Council Special Meeting", "November 7, 2025", 7140),
            ("Regular Council Meeting", "October 22, 2025", 7101), ("Urban and Economic Development Committee",
                                                                    "October 15, 2025", 7088),
        ]
    )
    table = ("<table class='listing'><thead><tr><th>Meeting</th><th>Date</th><th>Duration</th><th>Agenda</th>"
             f"<th>Minutes</th></tr></thead><tbody>{rows}</tbody></table>")
    return f"<html lang='en'><body><main><h1>City Council meetings</h1>{table}</main></body></html>"


def test_a_meetings_table_whose_rows_link_their_agenda_is_no_listing() -> None:
    """Each row names a meeting and its day, and links its documents ("Agenda", "Minutes"):
    a calendar of documents, not announcements (each row was an item titled "Agenda")."""
    found = read_announcements(_meetings_page(), "https://council.example.gov/meetings",
                               language=None, fetched_at=FETCHED_AT)
    assert found.items == []


def test_a_read_more_label_on_every_item_still_leads_to_the_items() -> None:
    """The same label on every block is no document list when it is a "Read more" in the
    page's language ("Continuar", as "Continue"): the blocks are teasers, titled by their
    own first line."""
    url = "https://cursos.example.br/colegiado/"
    posts = "".join(
        f"<div class='evento'><div class='corpo'><details><summary>{title}</summary>"
        f"<a href='https://portal.example.br/noticias/{slug}'>Continuar</a></details>"
        f"<p>03 jul. 2020 - Notícias</p></div></div>"
        for title, slug in [("Rafael é destaque na Computação", "179-rafael-destaque"),
                            ("Laboratórios de informática modernizados", "114-laboratorios"),
                            ("Tecnologia Google for Education no colégio", "126-google-education")]
    )
    html = f"<html lang='pt'><body><main><h1>Notícias</h1>{posts}</main></body></html>"
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [a.title for a in found.items] == [
        "Rafael é destaque na Computação", "Laboratórios de informática modernizados",
        "Tecnologia Google for Education no colégio",
    ]
    assert all(a.url and a.url.startswith("https://portal.example.br/noticias/") for a in found.items)

