"""Resource names in every script get distinct, stable slugs; names that had a slug
keep exactly that slug (it keys the history in the database and names the files)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from crawler.core.config import ConfigError, parse_config, slugify
from tests.conftest import run_cli, write_config

# What slugify gave before names without Latin letters were transliterated (main at
# fc88c98): every one of these must stay as it is, odd ones included.
SLUGS_BEFORE = {
    "Brussels Smart City": "brussels-smart-city",
    'Blog BID "Ciudades Sostenibles"': "blog-bid-ciudades-sostenibles",
    "Región Metropolitana — Se Santiago": "region-metropolitana-se-santiago",
    "Zürich Stadt": "zurich-stadt",
    "São Paulo": "sao-paulo",
    "Kraków": "krakow",
    "Łódź": "odz",
    "Ærøskøbing": "rskbing",
    "Straße": "strae",
    "İstanbul": "istanbul",
    "Đà Nẵng": "a-nang",
    "Ville de Québec": "ville-de-quebec",
    "IADB: Housing & Urban Development": "iadb-housing-urban-development",
    "Smart Cities Information System (SCIS)": "smart-cities-information-system-scis",
    "  spaced   out  ": "spaced-out",
    "C++ / C#": "c-c",
    "100% Open": "100-open",
    "Москва City": "city",
    "東京 Tokyo": "tokyo",
    "Ελλάδα 2": "2",
    "ﬁnance": "finance",
    "Ｆｕｌｌｗｉｄｔｈ": "fullwidth",
    "x²": "x2",
    "Œuvre": "uvre",
    "e\u0301cole": "ecole",
}

NON_LATIN = {
    "東京都": "dong-jing-dou",
    "القاهرة": "lqhrh",
    "🏙️🌆": "cityscape-city-dusk",
    "🏙️": "cityscape",
    "Ελλάδα": "ellada",
    "Москва": "moskva",
    "Київ": "kiiv",
    "서울": "seo-ul",
    "मुंबई": "mumbi",
    "★": "resource-26c57b08",  # nothing to spell: a hash of the name
}


@pytest.mark.parametrize(("name", "slug"), SLUGS_BEFORE.items())
def test_names_that_had_a_slug_keep_it(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize(("name", "slug"), NON_LATIN.items())
def test_names_in_other_scripts_get_their_own_slug(name, slug):
    assert slugify(name) == slug


def test_non_latin_slugs_are_distinct():
    assert len(set(NON_LATIN.values())) == len(NON_LATIN)


def test_two_names_with_one_slug_are_refused_naming_the_slug():
    text = ("resources:\n  - name: 東京\n    url: http://a.example/\n"
            "  - name: 东京\n    url: http://b.example/\n")
    with pytest.raises(ConfigError) as refused:
        parse_config(text, Path("r.yaml"))
    assert str(refused.value) == (
        "r.yaml: resource #2 \"东京\": field 'name': duplicate of resource #1 \"東京\": both have the slug "
        "'dong-jing' (names must be unique: the slug names the resource's history and files)")


@pytest.fixture(scope="module")
def web():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("").respond_with_response(Response("<title>Ciudad</title>", content_type="text/html"))
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.mark.crawl
def test_a_config_of_city_names_in_three_scripts_checks_and_runs(web, tmp_path):
    names = ("東京都", "القاهرة", "🏙️")
    config = write_config(tmp_path / "r.yaml", [{"name": name, "url": web.url_for(f"/{n}")}
                                                for n, name in enumerate(names)],
                          retries=0, block_private_addresses=False)
    checked = run_cli("check-config", "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == f"{config}: OK, 3 resources\n"
    out = tmp_path / "out"
    run = run_cli("run", "--config", str(config), "--db", str(out / "h.db"), "--out", str(out))
    assert run.returncode == 0, run.stderr
    slugs = {r["name"]: r["slug"] for r in json.loads((out / "status.json").read_text(encoding="utf-8"))["resources"]}
    assert slugs == {"東京都": "dong-jing-dou", "القاهرة": "lqhrh", "🏙️": "cityscape"}
    for slug in slugs.values():
        assert (out / "resources" / f"{slug}.html").is_file() and (out / "feeds" / f"{slug}.xml").is_file()
    with sqlite3.connect(out / "h.db") as conn:
        assert sorted(conn.execute("SELECT id, name FROM resources")) == sorted((s, n) for n, s in slugs.items())
