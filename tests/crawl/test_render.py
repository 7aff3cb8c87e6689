"""Pages read in a real headless Chromium (render), against servers on loopback.

The server's own log is the witness: which requests the browser made (its API
calls, its subresources), how many pages it had open at once, and what it never
reached. Whole crawls run through the CLI in a subprocess.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from crawler.crawl.render import find_chromium
from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl


@pytest.fixture(autouse=True, scope="module")
def _chromium() -> None:
    """Missing Chromium fails these tests, as it fails tests/browser/: a skipped
    render suite would let a broken renderer ship while CI stays green."""
    if find_chromium() is None:
        pytest.fail("Chromium not found: scripts/system-packages.sh installs it", pytrace=False)

SHELL = ('<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Vite App</title></head>'
         '<body><div id="app"></div><script src="/static/{name}.js"></script></body></html>')
# Builds the title, a news list dated in Spanish and links (one broken) from a JSON API.
APP_JS = """
fetch("/api/{name}").then(r => r.json()).then(data => {{
  document.title = data.title;
  const app = document.getElementById("app");
  app.innerHTML = "<h1>" + data.title + "</h1>" + data.items.map(i =>
    `<article><h2><a href="${{i.url}}">${{i.title}}</a></h2><time>${{i.date}}</time><p>${{i.summary}}</p></article>`
  ).join("") + '<a href="/gone-{name}">un enlace roto</a>';
  {extra}
}});
"""
NEWS = [("Nueva ciclovía en el centro", "2 de diciembre de 2026"), ("Plan de agua 2030", "15 de noviembre de 2026")]


class Web:
    """The local web and what it saw: every request line, and the most API calls (one
    per open page) in flight at once."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self.api_now = self.api_max = 0
        self.release = threading.Event()  # lets the never-ending script go at teardown
        self.paired = threading.Event()  # set once two API calls were in flight together
        self.pairing = False  # whether the first API call waits for a second (the apps crawl only)

    def log(self, request: Request) -> None:
        with self.lock:
            self.lines.append(f"{request.method} {request.path}")

    def count(self, line: str) -> int:
        return sum(1 for seen in self.lines if seen == line)

    def handler(self, request: Request) -> Response:
        self.log(request)
        path = request.path
        if match := re.fullmatch(r"/app/(?:\w+/)*(\w+)/", path):
            if match[1] == "after" and request.user_agent.string.startswith("healthcrawl"):
                time.sleep(1.5)  # its plain answer last, so the browser reads it after the hostile pages
            return Response(SHELL.format(name=match[1]), content_type="text/html; charset=utf-8")
        if match := re.fullmatch(r"/static/(\w+)\.js", path):
            return Response(self.script(match[1]), content_type="text/javascript")
        if path == "/api/crash":  # the browser dies while this page is open
            self.kill_browsers()
            return Response("{}", content_type="application/json")
        if match := re.fullmatch(r"/api/(\w+)", path):
            return self.api(match[1])
        if path == "/ssr/":
            return Response('<html lang="es"><head><title>Ciudad</title><script src="/ssr.js"></script></head><body>'
                            "<main><h1>Noticias de la ciudad</h1>" + "<p>La ciudad publica sus noticias. </p>" * 12
                            + '<article><h2><a href="/news/ssr">Mercado</a></h2><time>1 de diciembre de 2026</time>'
                            "</article></main></body></html>", content_type="text/html; charset=utf-8")
        if path == "/hang.js":
            self.release.wait(60)
            return Response("", content_type="text/javascript")
        if path in HOSTILE:
            return Response(HOSTILE[path], content_type="text/html; charset=utf-8")
        if path.startswith("/gone"):
            return Response("gone", status=404)
        return Response("<title>ok</title><p>ok</p>", content_type="text/html")

    def api(self, name: str) -> Response:
        with self.lock:
            self.api_now += 1
            self.api_max = max(self.api_max, self.api_now)
            if self.api_now >= 2:
                self.paired.set()
        try:
            # The first call waits for a second page to call too, so two pages are seen
            # open at once on a machine of any speed (a browser that opened one page at
            # a time would leave it waiting, and api_max at 1); then each page holds
            # its call a while, so a third page open at once would be seen.
            if self.pairing:
                self.paired.wait(timeout=30)
            time.sleep(0.3)
            items = [{"title": f"{title} ({name})", "date": date, "url": f"/news/{name}/{n}",
                      "summary": "Movilidad urbana sostenible."} for n, (title, date) in enumerate(NEWS)]
            return Response(json.dumps({"title": f"Ciudad {name}", "items": items}),
                            content_type="application/json")
        finally:
            with self.lock:
                self.api_now -= 1

    @staticmethod
    def kill_browsers() -> None:
        """SIGKILL every Chromium a healthcrawl run started (marked --healthcrawl-render)."""
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError):
                if entry.name.isdigit() and b"--healthcrawl-render=" in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)

    def script(self, name: str) -> str:
        extra = ""
        if name == "followed":  # the resource page links to a page that is itself an app
            extra = 'app.insertAdjacentHTML("beforeend", \'<a href="/app/followed/inner/">inner</a>\');'
        if name == "guarded":  # what block_private_addresses must stop, from inside the page
            extra = ("fetch('http://localhost:' + location.port + '/secret').catch(() => {});"
                     "fetch('http://10.20.30.40/router').catch(() => {});"
                     "const img = document.createElement('img'); img.src = '/picture.png'; app.appendChild(img);")
        return APP_JS.format(name=name, extra=extra)


HOSTILE = {
    "/never/": '<html><head><title>Never</title></head><body><p>Cargando</p><script src="/hang.js"></script></body></html>',
    "/loop/": "<html><head><title>Loop</title></head><body><script>while (true) {}</script></body></html>",
    "/iframes/": ("<html><head><title>Frames</title></head><body><script>for (let i = 0; i < 1000; i++) {"
                  "const f = document.createElement('iframe'); f.src = '/frame/' + i; document.body.appendChild(f);}"
                  "</script></body></html>"),
    # After building itself, the app navigates the tab to a local file, then to data:.
    "/escape/": ('<html><head><title>Escape</title></head><body><div id="app"></div><script>'
                 'document.title = "Ciudad escape"; document.getElementById("app").textContent = "Noticias";'
                 'location.href = "file:///etc/hostname";'
                 'setTimeout(() => { location.href = "data:text/html,<title>data page</title>"; }, 50);'
                 "</script></body></html>"),
    # Small as served, 300 kB once its script has run.
    "/huge/": ('<html><head><title>Huge</title></head><body><div id="app"></div><script>'
               'document.getElementById("app").textContent = "x".repeat(300000);</script></body></html>'),
}


@pytest.fixture(scope="module")
def web():
    site = Web()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(site.handler)
    server.start()
    yield server, site
    site.release.set()
    server.clear()
    server.stop()


def crawl(folder, server, resources, **settings):
    config = write_config(folder / "r.yaml", resources, retries=0, **settings)
    out = folder / "out"
    result = run_cli("run", "--config", str(config), "--db", str(out / "h.db"), "--out", str(out), timeout=240)
    return result, out


@pytest.fixture(scope="module")
def apps(web, tmp_path_factory):
    """Five resources read by the browser, two at a time, and a server-side page with
    render: auto that must not be."""
    server, site = web
    resources = [{"name": "App", "url": server.url_for("/app/main/"), "render": True},
                 {"name": "Auto app", "url": server.url_for("/app/auto/"), "render": "auto"},
                 {"name": "Server page", "url": server.url_for("/ssr/"), "render": "auto"},
                 {"name": "Followed", "url": server.url_for("/app/followed/"), "render": True, "depth": 1},
                 {"name": "Guarded", "url": server.url_for("/app/guarded/"), "render": True},
                 {"name": "Fifth", "url": server.url_for("/app/fifth/"), "render": True}]
    site.pairing = True
    try:
        result, out = crawl(tmp_path_factory.mktemp("apps"), server, resources, render_concurrency=2)
    finally:
        site.pairing = False
    return {"result": result, "status": by_name(load_status(out)), "out": out, "site": site}


def test_an_app_shell_is_read_as_the_browser_shows_it(apps):
    assert "Traceback" not in apps["result"].stderr
    app = apps["status"]["App"]
    assert app["status"] == "up" and app["rendered"] is True and app["render_ms"] > 0
    assert app["title"] == "Ciudad main"
    assert [(a["title"], a["published"][:10]) for a in app["announcements"]] == [
        ("Nueva ciclovía en el centro (main)", "2026-12-02"), ("Plan de agua 2030 (main)", "2026-11-15")]
    assert [link["url"] for link in app["broken_links"]] == [apps["status"]["App"]["url"].replace("/app/main/",
                                                                                                  "/gone-main")]
    assert app["links"]["checked"] == 3  # two news pages and the broken link, each checked plainly
    assert apps["site"].count("HEAD /news/main/0") == 1  # links are plain requests, not browser loads


def test_auto_renders_the_app_and_not_the_server_side_page(apps):
    site, status = apps["site"], apps["status"]
    assert status["Auto app"]["rendered"] is True and status["Auto app"]["title"] == "Ciudad auto"
    page = status["Server page"]
    assert page["rendered"] is False and page["title"] == "Ciudad" and len(page["announcements"]) == 1
    assert site.count("GET /ssr/") == 1  # fetched plainly, once
    assert site.count("GET /ssr.js") == 0  # no browser ever loaded it
    assert site.count("GET /static/auto.js") == 1 and site.count("GET /api/auto") == 1


def test_the_followed_pages_of_a_rendering_resource_are_read_by_the_browser(apps):
    followed = apps["status"]["Followed"]
    broken = {link["url"].rsplit("/", 1)[1] for link in followed["broken_links"]}
    assert broken == {"gone-followed", "gone-inner"}  # gone-inner exists only in the inner app's script output
    assert followed["pages_crawled"] == 2


def test_the_browser_never_has_more_pages_open_than_render_concurrency(apps):
    assert apps["site"].api_max == 2  # the apps' API calls: two pages open at once (see Web.api), never three


def test_a_page_cannot_reach_private_addresses_or_load_images(apps):
    guarded = apps["status"]["Guarded"]
    assert guarded["rendered"] is True and guarded["title"] == "Ciudad guarded"
    lines = apps["site"].lines
    assert "GET /secret" not in lines, "the page's script reached localhost"
    assert "GET /picture.png" not in lines, "an image was loaded"


def test_status_page_says_which_resources_were_rendered(apps):
    html = (apps["out"] / "index.html").read_text()
    assert html.count('<p class="rendered">') == 5


def test_without_the_address_guard_the_same_page_does_reach_localhost(web, tmp_path):
    """The guard test above could pass for want of trying: here the request is made."""
    server, site = web
    result, out = crawl(tmp_path, server, [{"name": "Guarded", "url": server.url_for("/app/guarded/"),
                                            "render": True}], block_private_addresses=False)
    assert result.returncode in (0, 1) and by_name(load_status(out))["Guarded"]["rendered"] is True
    assert "GET /secret" in site.lines


def test_pages_that_never_settle_end_as_errors_and_the_run_goes_on(web, tmp_path):
    """Each hostile page in turn (one page at a time, so each has the browser to itself
    and a slow machine cannot starve the next), then an app: it still renders."""
    server, site = web
    resources = [{"name": name, "url": server.url_for(path), "render": True}
                 for name, path in (("Never", "/never/"), ("Loop", "/loop/"), ("Frames", "/iframes/"))]
    resources.append({"name": "After", "url": server.url_for("/app/after/"), "render": True})
    result, out = crawl(tmp_path, server, resources, render_timeout=4, render_concurrency=1)  # a hang times out
    assert "Traceback" not in result.stderr and "run 1 complete" in result.stdout, result.stderr[-2000:]
    status = by_name(load_status(out))
    for name in ("Never", "Loop", "Frames"):
        entry = status[name]
        assert entry["status"] == "degraded" and entry["rendered"] is False, (name, entry["reasons"])
        assert entry["render_error"] and f"not rendered: {entry['render_error']}" in entry["reasons"]
        assert entry["title"] == name  # read from the plain HTML instead
    after = status["After"]
    assert after["rendered"] is True and after["title"] == "Ciudad after", after["render_error"]
    assert site.count("GET /api/after") == 1


def test_render_true_without_chromium_is_a_config_error_naming_the_resource(web, tmp_path):
    server, _ = web
    config = write_config(tmp_path / "r.yaml", [{"name": "App", "url": server.url_for("/app/x/"), "render": True}])
    env = {"HEALTHCRAWL_CHROMIUM": str(tmp_path / "no-chromium-here")}
    for args in (("check-config", "--config", str(config)),
                 ("run", "--config", str(config), "--db", str(tmp_path / "h.db"), "--out", str(tmp_path))):
        result = run_cli(*args, env=env)
        assert result.returncode == 2, result.stderr
        assert 'resource "App": render: true needs a browser' in result.stderr
        assert "apt-get install chromium" in result.stderr and "Traceback" not in result.stderr


def test_render_auto_without_chromium_reads_plainly_and_says_so_on_the_app(web, tmp_path):
    """A server-side page is simply read; an app shell, which needed the browser, is
    degraded with the reason and the command that fixes it, on the page too (a line
    on stderr alone is lost in cron mail)."""
    server, _ = web
    config = write_config(tmp_path / "r.yaml", [
        {"name": "Server page", "url": server.url_for("/ssr/"), "render": "auto"},
        {"name": "Shell", "url": server.url_for("/app/plainshell/"), "render": "auto"}], retries=0)
    out = tmp_path / "out"
    result = run_cli("run", "--config", str(config), "--db", str(out / "h.db"), "--out", str(out),
                     env={"HEALTHCRAWL_CHROMIUM": str(tmp_path / "none")})
    assert result.returncode == 0, result.stderr
    assert 'warning: resource "Server page": render: auto reads the page without a browser' in result.stderr
    status = by_name(load_status(out))
    page = status["Server page"]
    assert page["status"] == "up" and page["rendered"] is False and page["title"] == "Ciudad"
    shell = status["Shell"]
    assert shell["status"] == "degraded" and shell["rendered"] is False
    (reason,) = shell["reasons"]
    assert reason.startswith("not rendered: Chromium was not found: install Chromium"), reason
    assert "not rendered: Chromium was not found" in (out / "index.html").read_text()


def test_a_rendered_page_cannot_leave_for_file_or_data_urls_and_keeps_the_size_limit(web, tmp_path):
    server, site = web
    resources = [{"name": "Escape", "url": server.url_for("/escape/"), "render": True},
                 {"name": "Huge", "url": server.url_for("/huge/"), "render": True}]
    result, out = crawl(tmp_path, server, resources, render_timeout=5, max_body_bytes=200_000)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    status = by_name(load_status(out))
    escape = status["Escape"]
    assert escape["rendered"] is True and escape["title"] == "Ciudad escape", escape  # the app, not the file
    assert "data page" not in json.dumps(escape)
    huge = status["Huge"]
    assert huge["status"] == "degraded" and huge["rendered"] is False
    assert "over max_body_bytes (200000)" in huge["render_error"] and huge["title"] == "Huge"


def test_a_crashed_browser_is_an_error_for_its_page_and_the_next_page_renders(web, tmp_path):
    """The browser is killed while it holds one page; one page at a time, so the other
    resource renders in the browser launched after it, whichever comes first."""
    server, _ = web
    resources = [{"name": "Crash", "url": server.url_for("/app/crash/"), "render": True},
                 {"name": "Survivor", "url": server.url_for("/app/survivor/"), "render": True}]
    result, out = crawl(tmp_path, server, resources, render_timeout=10, render_concurrency=1)
    assert "Traceback" not in result.stderr and "run 1 complete" in result.stdout, result.stderr[-2000:]
    status = by_name(load_status(out))
    crash = status["Crash"]
    assert crash["status"] == "degraded" and crash["rendered"] is False and crash["title"] == "Vite App"
    assert crash["render_error"].startswith("the browser tab or the browser crashed: "), crash["render_error"]
    assert status["Survivor"]["rendered"] is True and status["Survivor"]["title"] == "Ciudad survivor"
