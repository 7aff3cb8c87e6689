"""Full-text search over announcements: in the four languages, accents and case folded,
ranked, filtered by date and resource, safe with whatever a person types, in both
output formats, and on a database upgraded from before the search index existed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.cli import main
from crawler.core.config import parse_config
from crawler.core.timeutil import iso, utcnow
from crawler.report.search import Match, SearchError, fts_query, search
from crawler.store.database import Store
from crawler.store.schema import MIGRATIONS

NOW = utcnow()
CONFIG = parse_config(
    "resources:\n"
    "  - name: City Forum\n    url: http://forum.example/\n    language: en\n"
    "  - name: Ciudad\n    url: http://ciudad.example/\n    language: es\n"
    "  - name: Région\n    url: http://region.example/\n    language: fr\n"
    "  - name: Brussel\n    url: http://brussel.example/\n    language: nl\n",
    Path("resources.yaml"),
)
# (title, summary, published this many days ago; None: undated) per resource slug
ITEMS = {
    "city-forum": [
        ("Smart city partnership announces new grants", "Funding for municipal pilots.", 5),
        ("Café terraces may stay open later this summer", "The council calls the plan naïve.", 40),
        ("Workshop on digital twins for municipalities", None, 100),
    ],
    "ciudad": [
        ("Ciudades inteligentes y Movilidad Urbana", "Resumen del foro de movilidad.", 3),
        ("Energía solar para Bogotá", "La alcaldía instala paneles en colegios.", 60),
        ("Vivienda asequible en América Latina", None, 200),
    ],
    "region": [
        ("Le vélo en ville : nouvelles pistes cyclables", "La Région investit dans la mobilité douce.", 10),
        ("Nouvelle stratégie de mobilité pour la Région", "Un plan à l'horizon 2030.", 90),
        ("Ouverture des données de qualité de l'air", None, None),
    ],
    "brussel": [
        ("Nieuw fietspad geopend: één kilometer langs het kanaal", "Fietsers krijgen meer ruimte.", 2),
        ("Slimme straatverlichting in Brussel uitgerold", None, 45),
        ("Ideeën gezocht voor het Zuidpark", "Burgers kunnen ideeën indienen tot juni.", 20),
    ],
}


def item(title: str, summary: str | None, days: int | None) -> dict:
    return {"key": title.lower(), "title": title, "url": "http://x.example/" + "-".join(title.lower().split()[:2]),
            "published": iso(NOW - timedelta(days=days)) if days is not None else None, "summary": summary}


def fill(store: Store, items: dict[str, list[tuple]]) -> int:
    run = store.start_run(CONFIG)
    for slug, rows in items.items():
        store.record_announcements(run, slug, [item(*row) for row in rows], source="feed", feed_url=None,
                                   warning=None)
    return run


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("search") / "health.db"
    with Store(path) as store:
        fill(store, ITEMS)
    return path


@pytest.fixture
def store(db_path):
    with Store(db_path) as store:
        yield store


def titles(matches) -> list[str]:
    return [m.title for m in matches]


# -- the four languages, accents and case folded -------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    # en
    ("cafe", ["Café terraces may stay open later this summer"]),
    ("naive council", ["Café terraces may stay open later this summer"]),
    ("SMART grants", ["Smart city partnership announces new grants"]),
    # es
    ("movilidad urbana", ["Ciudades inteligentes y Movilidad Urbana"]),
    ("movilidad", ["Ciudades inteligentes y Movilidad Urbana"]),
    ("energia bogota", ["Energía solar para Bogotá"]),
    ("america", ["Vivienda asequible en América Latina"]),
    # fr
    ("velo", ["Le vélo en ville : nouvelles pistes cyclables"]),
    ("strategie mobilite", ["Nouvelle stratégie de mobilité pour la Région"]),
    ("qualite de l'air", ["Ouverture des données de qualité de l'air"]),
    ("Région", ["Nouvelle stratégie de mobilité pour la Région", "Le vélo en ville : nouvelles pistes cyclables"]),
    # nl
    ("een kilometer", ["Nieuw fietspad geopend: één kilometer langs het kanaal"]),
    ("ideeen", ["Ideeën gezocht voor het Zuidpark"]),
    ("straatverlichting brussel", ["Slimme straatverlichting in Brussel uitgerold"]),
])
def test_words_are_found_in_every_language_whatever_their_accents(store, query, expected):
    assert titles(search(store, query)) == expected


def test_a_match_carries_its_resource_date_and_link(store):
    (match,) = search(store, "vélo")
    assert (match.resource, match.resource_name) == ("region", "Région")
    assert match.url == "http://x.example/le-vélo" and match.date == match.published
    (undated,) = search(store, "qualite air")
    assert undated.published is None and undated.date == undated.first_seen_at


# -- syntax: phrases, prefixes, operators, and text that is not syntax ------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ('"mobilite douce"', ["Le vélo en ville : nouvelles pistes cyclables"]),
    ('"douce mobilite"', []),  # a phrase keeps its order
    ("fiets*", ["Nieuw fietspad geopend: één kilometer langs het kanaal"]),
    ("velo OR fietspad", ["Nieuw fietspad geopend: één kilometer langs het kanaal",
                          "Le vélo en ville : nouvelles pistes cyclables"]),
    ("mobilite NOT velo", ["Nouvelle stratégie de mobilité pour la Région"]),
    ("(velo OR fietspad) AND kanaal", ["Nieuw fietspad geopend: één kilometer langs het kanaal"]),
    ("l'horizon", ["Nouvelle stratégie de mobilité pour la Région"]),
    ("horizon-2030", ["Nouvelle stratégie de mobilité pour la Région"]),  # a hyphen is not NOT
    ("fietspad: kanaal", ["Nieuw fietspad geopend: één kilometer langs het kanaal"]),  # a colon is not a column
    ('"unclosed velo', []),
    ("velo or fietspad", []),  # lower-case "or" is a word, and neither item has it
])
def test_the_syntax_people_mean_works_and_the_rest_is_searched_as_written(store, query, expected):
    assert titles(search(store, query)) == expected


@pytest.mark.parametrize("query", ["velo OR", "AND velo", "NOT velo", "(velo", "velo )", "velo () fiets"])
def test_an_operator_out_of_place_is_a_clear_error(store, query):
    with pytest.raises(SearchError, match="AND, OR and NOT need a word on each side"):
        search(store, query)


@pytest.mark.parametrize("query", ["", "   ", '""', "-", "'", "*", "—", "()"])
def test_nothing_to_search_for_is_a_clear_error(store, query):
    with pytest.raises(SearchError, match="nothing to search for"):
        search(store, query)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=30), st.lists(st.sampled_from(
    ["velo", "fiets", " ", '"', "(", ")", "*", ":", "-", "'", "AND", "OR", "NOT", "NEAR", "é", "^", "+", "\\", "{"]),
    max_size=12).map("".join)))
def test_any_text_either_searches_or_says_why_never_crashes(store, text):
    try:
        matches = search(store, text)
    except SearchError as exc:
        message = str(exc)  # says what to change, in words
        assert message.startswith(("nothing to search for in ", "cannot search for ")), message
        assert "double quotes" in message or "give a word" in message, message
    else:
        assert all(isinstance(m, Match) and m.title for m in matches)


def test_the_fts_query_quotes_every_word():
    assert fts_query('covid-19 "Île de France" NEAR velo*') == '"covid-19" "Île de France" "NEAR" "velo"*'


# -- ranking --------------------------------------------------------------------------------


def test_a_word_in_the_title_ranks_above_the_same_word_in_a_summary(store):
    assert titles(search(store, "mobilite")) == ["Nouvelle stratégie de mobilité pour la Région",
                                                 "Le vélo en ville : nouvelles pistes cyclables"]


def test_best_match_first_and_newest_first_among_equals(tmp_path):
    with Store(tmp_path / "health.db") as store:
        fill(store, {**ITEMS, "ciudad": [
            ("Datos abiertos en la ciudad", "Portal municipal.", 300),
            ("Datos abiertos en la región", "Portal municipal.", 30),  # the same score, newer
            ("Datos abiertos", "Datos abiertos para todos.", 400),  # the words twice, in a short title
            ("Semana de la bicicleta", "Con datos abiertos sobre el tráfico.", 1),  # in the summary only
        ]})
        matches = search(store, "datos abiertos")
    assert titles(matches) == ["Datos abiertos", "Datos abiertos en la región", "Datos abiertos en la ciudad",
                               "Semana de la bicicleta"]
    assert matches[1].score == matches[2].score > matches[3].score


# -- filters --------------------------------------------------------------------------------


def test_since_keeps_items_published_since_and_undated_ones_first_seen_since(store):
    month = NOW - timedelta(days=30)
    assert titles(search(store, "mobilite", since=month)) == ["Le vélo en ville : nouvelles pistes cyclables"]
    assert titles(search(store, "air", since=month)) == ["Ouverture des données de qualité de l'air"]
    assert search(store, "bogota", since=month) == []


def test_resource_keeps_one_resource_and_an_unknown_slug_is_a_clear_error(store):
    assert [m.resource for m in search(store, "velo OR fietspad OR movilidad", resource="brussel")] == ["brussel"]
    with pytest.raises(SearchError, match="no resource with the slug 'brusel' \\(did you mean 'brussel'\\?\\)"):
        search(store, "fietspad", resource="brusel")


def test_limit_keeps_the_best(store):
    assert titles(search(store, "mobilite", limit=1)) == ["Nouvelle stratégie de mobilité pour la Région"]


# -- the command ------------------------------------------------------------------------------


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["search", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_prints_a_table_of_date_resource_title_and_link(db_path, capsys):
    code, out, err = cli(capsys, "--db", str(db_path), "movilidad OR velo")
    print(out)
    header, *rows = out.splitlines()
    assert code == 0 and err == ""
    assert header.split() == ["date", "resource", "title", "link"]
    assert [row.split()[1] for row in rows] == ["Ciudad", "Région"]
    assert rows[0].startswith((NOW - timedelta(days=3)).date().isoformat())
    assert rows[0].endswith("Ciudades inteligentes y Movilidad Urbana       http://x.example/ciudades-inteligentes")


def test_the_command_prints_json_with_since_resource_and_limit(db_path, capsys):
    code, out, _ = cli(capsys, "--db", str(db_path), "mobilite OR movilidad OR fietspad", "--format", "json",
                       "--since", "30d", "--resource", "region", "--limit", "5")
    assert code == 0
    (match,) = json.loads(out)
    assert match["resource"] == "region" and match["resource_name"] == "Région"
    assert match["title"] == "Le vélo en ville : nouvelles pistes cyclables"
    assert match["date"] == match["published"] and match["score"] > 0
    assert set(match) == {"resource", "resource_name", "title", "url", "published", "first_seen_at", "summary",
                          "score", "date"}


def test_since_takes_a_date_too(db_path, capsys):
    since = (NOW - timedelta(days=15)).date().isoformat()
    code, out, _ = cli(capsys, "--db", str(db_path), "mobilite OR fietspad", "--format", "json", "--since", since)
    assert code == 0 and [m["resource"] for m in json.loads(out)] == ["brussel", "region"]


def test_no_match_is_said_on_stderr_and_an_empty_list_in_json(db_path, capsys):
    assert cli(capsys, "--db", str(db_path), "tramway") == (0, "", "healthcrawl: no announcement matches 'tramway'\n")
    assert cli(capsys, "--db", str(db_path), "tramway", "--format", "json") == (0, "[]\n", "")


@pytest.mark.parametrize(("args", "message"), [
    (("velo OR",), "cannot search for 'velo OR'"),
    (("velo", "--resource", "nowhere"), "no resource with the slug 'nowhere'"),
    (("",), "nothing to search for"),
])
def test_a_search_that_cannot_run_exits_2_with_a_message(db_path, capsys, args, message):
    code, out, err = cli(capsys, "--db", str(db_path), *args)
    assert code == 2 and out == "" and err.startswith(f"healthcrawl: error: {message}")


@pytest.mark.parametrize("args", [("velo", "--since", "soon"), ("velo", "--limit", "0"),
                                  ("velo", "--format", "csv")])
def test_bad_options_are_usage_errors(db_path, capsys, args):
    with pytest.raises(SystemExit) as info:
        main(["search", "--db", str(db_path), *args])
    assert info.value.code == 2


def test_no_database_is_a_clear_error(tmp_path, capsys):
    code, _, err = cli(capsys, "--db", str(tmp_path / "none.db"), "velo")
    assert code == 2 and "no database at" in err


# -- the index follows the table, also on databases from before it existed ---------------------


def test_a_changed_title_is_searched_as_it_is_now(tmp_path):
    with Store(tmp_path / "health.db") as store:
        run = fill(store, {"region": [ITEMS["region"][0]]})
        changed = item(*ITEMS["region"][0]) | {"title": "Le tramway en ville"}
        store.record_announcements(run, "region", [changed], source="feed", feed_url=None, warning=None)
        assert search(store, "velo") == [] and titles(search(store, "tramway")) == ["Le tramway en ville"]


@pytest.mark.parametrize("version", [2, 7])
def test_announcements_of_a_database_from_before_migration_8_are_searchable(tmp_path, version):
    """Build a database as version 2 (the first with announcements) or 7 (the last
    without the index) wrote it, with announcements in it, then open it."""
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:version]:
        migration(old)
    old.execute(f"PRAGMA user_version = {version}")
    old["resources"].insert_all([{"id": r.slug, "name": r.name, "url": r.url, "active": 1}
                                 for r in CONFIG.resources])
    old["runs"].insert({"id": 1, "started_at": "2025-01-01T00:00:00Z", "complete": 1})
    old["announcements"].insert_all(
        [{**item(*row), "resource_id": slug, "first_seen_run": 1, "last_seen_run": 1,
          "first_seen_at": "2025-01-01T00:00:01Z"} for slug, rows in ITEMS.items() for row in rows])
    old.conn.commit()
    old.close()

    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert titles(search(store, "velo")) == ["Le vélo en ville : nouvelles pistes cyclables"]
        assert titles(search(store, "een kilometer")) == ["Nieuw fietspad geopend: één kilometer langs het kanaal"]
        fill(store, {"ciudad": [("Nueva línea de tranvía", None, 0)]})
        assert titles(search(store, "linea tranvia")) == ["Nueva línea de tranvía"]
        assert store.integrity_ok()
