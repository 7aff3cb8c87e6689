"""The pure rules behind `render`: which pages are application shells, how `render:`
is read from resources.yaml, and what the browser may request. No browser here; the
crawls are in tests/crawl/test_render.py."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from crawler.core.config import ConfigError, effective_render, load_config
from crawler.crawl.render import wants_render
from crawler.extract.shell import looks_like_app_shell
from tests.conftest import write_config

ARTICLE = "<p>" + "La ciudad publica sus noticias y sus planes de movilidad urbana. " * 5 + "</p>"

SHELLS = {
    "create-react-app": ('<!doctype html><html><head><title>React App</title></head><body>'
                         "<noscript>You need to enable JavaScript to run this app.</noscript>"
                         '<div id="root"></div><script src="/static/js/main.js"></script></body></html>'),
    "vite + vue": ('<html><head><title>Vite + Vue + TS</title><script type="module" src="/src/main.ts"></script>'
                   '</head><body><div id="app"></div></body></html>'),
    "angular, its own element": ('<html><head><title>Portal Ciudadano</title></head><body><app-root></app-root>'
                                 '<script src="main.js" type="module"></script></body></html>'),
    "nuxt": ('<html><head><title>Ciudad</title></head><body><div id="__nuxt"></div>'
             '<script src="/_nuxt/entry.js"></script></body></html>'),
    "a real title, no text at all": ('<html><head><title>Ville de Bruxelles</title></head><body>'
                                     '<script src="/bundle.js"></script></body></html>'),
    "a loading message": ('<html><head><title>Loading…</title></head><body><div class="spinner">Cargando…</div>'
                          '<script src="/app.js"></script></body></html>'),
}
PAGES = {
    "server-side page with scripts": (f'<html><head><title>Ciudad</title><script src="/a.js"></script></head>'
                                      f'<body><main><h1>Noticias</h1>{ARTICLE}</main></body></html>'),
    "next.js, rendered on the server": (f'<html><head><title>Ciudad</title></head><body><div id="__next">'
                                        f"<h1>Noticias</h1>{ARTICLE}</div><script src=\"/_next/main.js\"></script>"
                                        "</body></html>"),
    "no <head> or <body> written": f"<title>Ville</title><main>{ARTICLE}</main><script src=\"/a.js\"></script>",
    "a short page without scripts": "<html><head><title>App</title></head><body><p>Hola</p></body></html>",
    "a short page whose title and text are its own": ('<html><head><title>Smart City Brussels</title></head>'
                                                      "<body><h1>Smart City Brussels</h1><p>Contact: info@</p>"
                                                      '<script src="/analytics.js"></script></body></html>'),
}


@pytest.mark.parametrize("html", SHELLS.values(), ids=SHELLS.keys())
def test_application_shells_are_recognised(html):
    assert looks_like_app_shell(html.encode())
    assert wants_render("auto", "text/html; charset=utf-8", html.encode())


@pytest.mark.parametrize("html", PAGES.values(), ids=PAGES.keys())
def test_pages_with_something_to_read_are_not_shells(html):
    assert not looks_like_app_shell(html.encode())
    assert not wants_render("auto", "text/html", html.encode())


def test_render_on_reads_any_html_in_the_browser_and_never_a_pdf():
    page = PAGES["server-side page with scripts"].encode()
    assert wants_render("on", "text/html", page) and not wants_render("off", "text/html", SHELLS["nuxt"].encode())
    assert not wants_render("on", "application/pdf", b"%PDF-1.7")


def test_render_values_and_the_settings_default(tmp_path):
    config = load_config(write_config(tmp_path / "r.yaml", [
        {"name": "A", "url": "https://a.example/", "render": True},
        {"name": "B", "url": "https://b.example/", "render": False},
        {"name": "C", "url": "https://c.example/"},
        {"name": "D", "url": "https://d.example/", "render": "auto", "render_wait_for": "#news article"},
    ], render="auto", render_concurrency=3))
    modes = {r.name: effective_render(r, config.settings) for r in config.resources}
    assert modes == {"A": "on", "B": "off", "C": "auto", "D": "auto"}
    assert config.settings.render_concurrency == 3
    assert config.resources[3].render_wait_for == "#news article"


@pytest.mark.parametrize(("resource", "settings", "message"), [
    ({"render": "sometimes"}, {}, "resource #1 \"A\": field 'render': expected true, false or auto, got 'sometimes'"),
    ({"render_wait_for": "div[["}, {}, "field 'render_wait_for': invalid CSS selector"),
    ({}, {"render": 2}, "settings: field 'render': expected true, false or auto"),
    ({}, {"render_concurrency": 0}, "render_concurrency"),
    ({}, {"render_timeout": -1}, "render_timeout"),
])
def test_bad_render_values_are_config_errors(tmp_path, resource, settings, message):
    path = write_config(tmp_path / "r.yaml", [{"name": "A", "url": "https://a.example/", **resource}], **settings)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)


def _abort(url: str, resource_type: str = "fetch", *, block_private: bool = True,
           listed: frozenset[str] = frozenset()) -> bool:
    """RenderHandler.abort with the state it reads; the handler itself needs a running crawler."""
    pytest.importorskip("scrapy_playwright")
    from crawler.crawl.render_handler import RenderHandler

    state = SimpleNamespace(block_private=block_private, listed_hosts=listed, _resolved={})
    request = SimpleNamespace(url=url, resource_type=resource_type)
    return asyncio.run(RenderHandler.abort(state, request))


def test_the_browser_never_requests_images_media_fonts_or_local_files():
    assert _abort("https://a.example/logo.png", "image") and _abort("https://a.example/v.mp4", "media")
    assert _abort("https://a.example/f.woff2", "font")
    assert _abort("file:///etc/passwd", "document") and _abort("ftp://a.example/x", "document")
    assert not _abort("data:text/css,body{}", "stylesheet")  # inline data stays inline


def test_the_browser_keeps_block_private_addresses():
    assert _abort("http://127.0.0.1:8080/secret") and _abort("http://10.1.2.3/router")
    assert _abort("http://[::1]/") and _abort("http://localhost/admin")
    assert not _abort("http://127.0.0.1:8080/api", listed=frozenset({"127.0.0.1"}))  # a listed resource's host
    assert not _abort("http://127.0.0.1:8080/secret", block_private=False)
