"""One real crawl of a local web that shows every availability case, then assertions
on the stored rows, status.json and the CLI's exit code and summary."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time

import pytest
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, refused_port, run_cli, write_config

pytestmark = pytest.mark.crawl

UTF8_PAGE = (
    "<!doctype html><html><head><title>  Ciudades  sostenibles: año 2025 </title>"
    '<meta name="description" content="Innovación urbana en América Latina"></head>'
    "<body><h1>Hola</h1></body></html>"
)
LATIN1_PAGE = "<html><head><title>Ville intelligente à Bruxelles, été</title></head><body>Ça va</body></html>"


def html(body: str | bytes, status: int = 200, content_type: str = "text/html", **headers: str) -> Response:
    return Response(body, status=status, content_type=content_type, headers=headers)


class Flaky:
    """Answers `first` for the first `failures` requests, then 200; remembers when each came."""

    def __init__(self, first: int, failures: int = 1, **headers: str):
        self.first, self.failures, self.headers = first, failures, headers
        self.times: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.times.append(time.monotonic())
            count = len(self.times)
        if count <= self.failures:
            return html("try later", status=self.first, **self.headers)
        return html("<title>Recovered</title>")


def slow(seconds: float, title: str):
    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return html(f"<title>{title}</title>")
    return handler


@pytest.fixture(scope="module")
def tls_material(tmp_path_factory: pytest.TempPathFactory):
    """A CA the crawler trusts (via SSL_CERT_FILE) and one it does not."""
    folder = tmp_path_factory.mktemp("tls")
    trusted, untrusted = trustme.CA(), trustme.CA()
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    expiring = trusted.issue_cert("localhost", "127.0.0.1", not_after=soon)
    self_signed = untrusted.issue_cert("localhost", "127.0.0.1")
    bundle = folder / "ca.pem"
    trusted.cert_pem.write_to_path(str(bundle))
    return {"bundle": bundle, "expiring": expiring, "self_signed": self_signed, "not_after": soon}


def _https_server(leaf: trustme.LeafCert) -> HTTPServer:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.expect_request("/").respond_with_response(html("<title>Secure page</title>"))
    server.start()
    return server


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory, tls_material):
    web = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    web.expect_request("/ok").respond_with_response(html(UTF8_PAGE.encode("utf-8")))
    web.expect_request("/latin1").respond_with_response(html(LATIN1_PAGE.encode("latin-1")))
    web.expect_request("/r1").respond_with_response(Response(status=301, headers={"Location": "/r2"}))
    web.expect_request("/r2").respond_with_response(Response(status=302, headers={"Location": "/ok"}))
    web.expect_request("/loop-a").respond_with_response(Response(status=302, headers={"Location": "/loop-b"}))
    web.expect_request("/loop-b").respond_with_response(Response(status=302, headers={"Location": "/loop-a"}))
    web.expect_request("/missing").respond_with_response(html("<title>Not here</title>", status=404))
    web.expect_request("/broken").respond_with_response(html("oops", status=500))
    flaky_503, limited, flap = Flaky(503), Flaky(429, **{"Retry-After": "1"}), Flaky(404)
    web.expect_request("/flaky").respond_with_handler(flaky_503)
    web.expect_request("/flap").respond_with_handler(flap)
    web.expect_request("/limited").respond_with_handler(limited)
    web.expect_request("/sluggish").respond_with_handler(slow(2.2, "Sluggish"))
    web.expect_request("/hang").respond_with_handler(slow(8, "Too late"))
    web.start()
    expiring = _https_server(tls_material["expiring"])
    self_signed = _https_server(tls_material["self_signed"])

    base = web.url_for("")
    resources = [
        {"name": "ok", "url": f"{base}ok", "organization": "Local", "language": "es", "tags": ["t"]},
        {"name": "latin1", "url": f"{base}latin1", "language": "fr"},
        {"name": "chain", "url": f"{base}r1"},
        {"name": "loop", "url": f"{base}loop-a"},
        {"name": "missing", "url": f"{base}missing"},
        {"name": "broken", "url": f"{base}broken"},
        {"name": "flaky", "url": f"{base}flaky"},
        {"name": "flap", "url": f"{base}flap"},
        {"name": "limited", "url": f"{base}limited"},
        {"name": "sluggish", "url": f"{base}sluggish"},
        {"name": "hang", "url": f"{base}hang"},
        {"name": "refused", "url": f"http://127.0.0.1:{refused_port()}/"},
        {"name": "nxdomain", "url": "http://no-such-host.invalid/"},
        {"name": "expiring", "url": f"https://localhost:{expiring.port}/"},
        {"name": "self-signed", "url": f"https://localhost:{self_signed.port}/"},
    ]
    folder = tmp_path_factory.mktemp("crawl")
    # Wide margins, so a loaded machine cannot move a page across a line: a local page
    # answers in milliseconds, far under slow_ms; sluggish sleeps 0.7 s more than slow_ms
    # and 1.3 s less than the timeout; hang sleeps past the timeout.
    config = write_config(folder / "resources.yaml", resources, timeout=3.5, retries=2,
                          retry_backoff=0.1, slow_ms=1500, max_redirects=5)
    out = folder / "out"
    started = time.monotonic()
    result = run_cli("run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out),
                     env={"SSL_CERT_FILE": str(tls_material["bundle"])})
    elapsed = time.monotonic() - started
    yield {"result": result, "out": out, "status": load_status(out) if (out / "status.json").exists() else None,
           "flaky": flaky_503, "limited": limited, "flap": flap, "elapsed": elapsed, "tls": tls_material}
    for server in (web, expiring, self_signed):
        server.clear()
        server.stop()


@pytest.fixture(scope="module")
def resources(crawl) -> dict[str, dict]:
    assert crawl["status"] is not None, crawl["result"].stderr
    return by_name(crawl["status"])


def test_exit_code_and_summary_line(crawl):
    result = crawl["result"]
    assert result.returncode == 1, result.stderr
    assert "15 resources:" in result.stdout
    assert "3 up, 5 degraded, 7 down" in result.stdout.replace("  ", " "), result.stdout
    assert "Traceback" not in result.stderr


def test_plain_200_records_title_description_and_timing(resources):
    ok = resources["ok"]
    assert ok["status"] == "up"
    assert ok["http_status"] == 200
    assert ok["title"] == "Ciudades sostenibles: año 2025"
    assert ok["description"] == "Innovación urbana en América Latina"
    assert ok["final_url"] == ok["url"]
    assert ok["redirects"] == []
    assert ok["error"] is None
    assert 0 <= ok["response_ms"] < 1500  # under slow_ms: up
    assert ok["content_type"].startswith("text/html")
    assert ok["body_bytes"] == len(UTF8_PAGE.encode("utf-8"))
    assert ok["tags"] == ["t"] and ok["organization"] == "Local" and ok["language"] == "es"


def test_latin1_page_without_charset_is_decoded(resources):
    assert resources["latin1"]["title"] == "Ville intelligente à Bruxelles, été"


def test_redirect_chain_is_recorded_hop_by_hop(resources):
    chain = resources["chain"]
    base = chain["url"].rsplit("/", 1)[0]
    assert chain["status"] == "up"
    assert chain["redirects"] == [{"url": f"{base}/r1", "status": 301}, {"url": f"{base}/r2", "status": 302}]
    assert chain["final_url"] == f"{base}/ok"
    assert chain["title"] == "Ciudades sostenibles: año 2025"


def test_redirect_loop_is_down_with_reason(resources):
    loop = resources["loop"]
    assert loop["status"] == "down"
    assert loop["error"].startswith("redirect loop: ")
    assert loop["error"].endswith("/loop-a -> " + loop["url"].replace("loop-a", "loop-b") + " -> " + loop["url"])
    assert loop["http_status"] is None
    assert len(loop["redirects"]) >= 5


@pytest.mark.parametrize("name, code, error", [
    ("missing", 404, "HTTP 404 Not Found"),
    ("broken", 500, "HTTP 500 Internal Server Error"),
])
def test_http_errors_are_down(resources, name, code, error):
    entry = resources[name]
    assert entry["status"] == "down"
    assert entry["http_status"] == code
    assert entry["error"] == error


def test_500_was_retried_twice_and_404_confirmed_once(resources):
    assert resources["broken"]["retries"] == 2
    # confirm_down defaults to the retries (2): a 404 is asked twice before it counts as down.
    assert resources["missing"]["retries"] == 1


def test_one_bad_answer_between_good_ones_is_not_down(resources, crawl):
    flap = resources["flap"]
    assert flap["status"] == "degraded" and flap["http_status"] == 200
    assert flap["reasons"] == ["up after 1 retry"]
    assert len(crawl["flap"].times) == 2


def test_503_then_200_is_degraded_after_one_retry(resources, crawl):
    flaky = resources["flaky"]
    assert flaky["status"] == "degraded"
    assert flaky["http_status"] == 200 and flaky["retries"] == 1
    assert flaky["reasons"] == ["up after 1 retry"]
    assert len(crawl["flaky"].times) == 2


def test_429_retry_after_is_honoured(resources, crawl):
    limited = resources["limited"]
    assert limited["status"] == "degraded" and limited["retries"] == 1
    first, second = crawl["limited"].times
    assert second - first >= 0.95, "the retry came before Retry-After: 1 had passed"


def test_slow_response_is_degraded(resources):
    sluggish = resources["sluggish"]
    assert sluggish["status"] == "degraded"
    assert sluggish["response_ms"] >= 2200
    assert sluggish["reasons"][0].startswith("slow: ")


@pytest.mark.parametrize("name, kind_text", [
    ("hang", "timed out after 3.5 s"),
    ("refused", "connection refused"),
    ("nxdomain", "DNS lookup failed: could not resolve host no-such-host.invalid"),
    ("self-signed", "TLS error"),
])
def test_network_failures_are_down_with_a_readable_error(resources, name, kind_text):
    entry = resources[name]
    assert entry["status"] == "down"
    assert entry["http_status"] is None
    assert kind_text in entry["error"]


def test_self_signed_error_names_the_certificate_problem(resources):
    assert "certificate" in resources["self-signed"]["error"].lower()


def test_tls_expiry_is_recorded_and_close_expiry_degrades(resources, crawl):
    entry = resources["expiring"]
    assert entry["http_status"] == 200 and entry["title"] == "Secure page"
    expected = crawl["tls"]["not_after"].strftime("%Y-%m-%dT%H:%M")
    assert entry["tls_expires_at"].startswith(expected)
    assert entry["status"] == "degraded"
    assert "TLS certificate expires in 4 days" in entry["reasons"][0] or \
        "TLS certificate expires in 5 days" in entry["reasons"][0]


def test_database_rows_match_the_export(crawl):
    db = sqlite3.connect(crawl["out"] / "health.db")
    db.row_factory = sqlite3.Row
    (run,) = db.execute("SELECT * FROM runs").fetchall()
    assert run["complete"] == 1 and run["finished_at"] >= run["started_at"]
    assert (run["total"], run["up"], run["degraded"], run["down"]) == (15, 3, 5, 7)
    checks = db.execute("SELECT * FROM checks").fetchall()
    assert len(checks) == 15 and {c["run_id"] for c in checks} == {run["id"]}
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    statuses = {c["resource_id"]: c["status"] for c in checks}
    assert statuses["nxdomain"] == "down" and statuses["ok"] == "up"


def test_json_shape_keeps_the_documented_names(crawl):
    status = crawl["status"]
    assert set(status["run"]) >= {"id", "started_at", "finished_at", "complete"}
    required = {"name", "url", "final_url", "status", "http_status", "error", "response_ms", "title",
                "description", "checked_at", "redirects", "tls_expires_at"}
    for entry in status["resources"]:
        assert required <= set(entry)
        assert entry["checked_at"].endswith("Z")


def test_page_lists_every_resource(crawl):
    page = (crawl["out"] / "index.html").read_text(encoding="utf-8")
    for name in ("nxdomain", "self-signed", "chain", "Ciudades sostenibles: año 2025"):
        assert name in page


def test_export_csv_and_json_match_status_file(crawl):
    db = str(crawl["out"] / "health.db")
    as_json = run_cli("export", "--db", db, "--format", "json")
    assert as_json.returncode == 0
    import json
    exported = json.loads(as_json.stdout)
    written = dict(crawl["status"])
    assert exported.pop("generated_at") and written.pop("generated_at")  # when each was made: may differ
    assert exported == written
    as_csv = run_cli("export", "--db", db, "--format", "csv")
    lines = as_csv.stdout.splitlines()
    assert lines[0].startswith("name,url,status,http_status,final_url")
    assert len(lines) == 16
    assert any(line.startswith("chain,") and "301 " in line for line in lines)
