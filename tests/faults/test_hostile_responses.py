"""One real crawl of a web that misbehaves in every way we could think of, then one
test per misbehaviour on what was stored: the verdict, a readable error, and that
the run itself survived (finished, in bounded time and memory, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import pytest

from tests.conftest import ROOT, CliResult, by_name, load_status, write_config
from tests.faults.servers import (
    MIB,
    Drip,
    HostileHTTPServer,
    RedirectChain,
    SilentServer,
    after,
    compression_bomb,
    cut_off,
    deeply_nested_html,
    fake_png,
    gzip_bomb,
    mixed_encoding_html,
    oversized,
    random_bytes,
    raw,
    redirect,
    respond,
    truncated_html,
    zlib_bomb,
)

pytestmark = pytest.mark.crawl

TIMEOUT = 6  # seconds per attempt: room for a loaded machine to answer everything meant to answer
RETRIES = 1
MAX_BODY = 2_000_000  # the bombs' compressed bodies (~1 MB) fit; their expansion (1 GiB) does not
MAX_REDIRECTS = 10
PEAK_RSS_LIMIT = 400 * MIB
CRAWL_TIME_LIMIT = 60  # a hang check, not a benchmark
FINE = b"<!doctype html><title>Fine</title>"


def run_cli_measured(*args: str, env: dict[str, str], timeout: float) -> tuple[CliResult, int, float]:
    """Like conftest.run_cli, plus the child's own peak RSS (bytes, from wait4,
    so no earlier child of this pytest process can be mistaken for it) and its
    wall time. Killed after `timeout` seconds: a hang fails instead of blocking."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=ROOT, env=full_env,
                                stdout=out, stderr=err)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, wait_status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        elapsed = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(wait_status)
        out.seek(0), err.seek(0)
        result = CliResult(proc.returncode, out.read().decode(errors="replace"),
                           err.read().decode(errors="replace"))
    return result, usage.ru_maxrss * 1024, elapsed


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    list(gzip_bomb()), list(zlib_bomb())  # checksums cached before the clock runs (the brotli body is built with its route)
    drip, chain = Drip(interval=1.0), RedirectChain("/chain/", 30, respond(FINE))
    web = HostileHTTPServer({
        "/fine": respond(FINE),
        "/oversized": oversized(20 * MIB, declare_length=True),
        "/oversized-streamed": oversized(20 * MIB, declare_length=False),
        "/gzip-bomb": compression_bomb("gzip"),
        "/deflate-bomb": compression_bomb("deflate"),
        "/brotli-bomb": compression_bomb("br"),
        "/gzip-garbage": respond(b"this is not gzip", headers=[("Content-Encoding", "gzip")]),
        "/drip": drip,
        "/chain/*": chain,
        "/to-file": redirect("file:///etc/passwd"),
        "/to-ftp": redirect("ftp://127.0.0.1:21/pub/file.txt"),
        "/to-data": redirect("data:text/html,<title>not from the network</title>"),
        "/to-invalid": redirect("http://[::1"),
        "/mixed-encoding": respond(mixed_encoding_html(), content_type="text/html; charset=utf-8"),
        "/unknown-charset": respond("<title>Caf\u00e9</title>".encode("latin-1"),
                                    content_type="text/html; charset=x-no-such-charset"),
        "/random-bytes": respond(random_bytes(300_000), content_type="text/html"),
        "/png-as-html": respond(fake_png(), content_type="text/html; charset=utf-8"),
        # Parsing 100k elements holds the reactor thread for seconds, and every download in
        # flight meanwhile can time out: answered once every other route has answered (the
        # drip aside, which times out by design), or at half its own timeout.
        "/deep": after(lambda: web.served >= set(web.routes) - {"/deep", "/drip"},
                       respond(deeply_nested_html(100_000)), patience=TIMEOUT / 2),
        "/truncated": respond(truncated_html()),
        "/reset": cut_off(declared=100_000, body=b"<html><head><title>Half", rst=True),
        "/short": cut_off(declared=100_000, body=b"<html><head><title>Half", rst=False),
        "/hangup": raw(b""),
        "/not-http": raw(b"SSH-2.0-OpenSSH_9.6\r\n"),
        "/absurd-status": raw(b"HTTP/1.1 99999999999999999999 Big\r\nContent-Length: 0\r\n\r\n"),
        # header values are bytes; these are not UTF-8 (Latin-1, as old servers send)
        "/latin1-header": raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Name: caf\xe9\r\n"
                              b"Content-Length: %d\r\n\r\n" % len(FINE) + FINE),
        "/latin1-location": raw(b"HTTP/1.1 302 Found\r\nLocation: /latin1-target/caf\xe9\r\nContent-Length: 0\r\n\r\n"),
        "/latin1-target/*": respond(FINE),
    }).start()
    silent = SilentServer().start()

    resources = [{"name": path.strip("/*"), "url": web.url(path.replace("*", "1"))} for path in web.routes]
    resources.append({"name": "tls-never-handshakes", "url": silent.url("/")})
    folder = tmp_path_factory.mktemp("hostile")
    config = write_config(folder / "resources.yaml", resources, timeout=TIMEOUT, retries=RETRIES,
                          retry_backoff=0.1, max_body_bytes=MAX_BODY, max_redirects=MAX_REDIRECTS,
                          concurrency_per_host=len(resources),
                          slow_ms=120_000)  # /deep waits its turn: slowness is not what this tests
    out = folder / "out"
    try:
        result, peak_rss, elapsed = run_cli_measured(
            "run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out),
            env={}, timeout=CRAWL_TIME_LIMIT * 2)
    finally:
        web.stop()
        silent.stop()
    status = load_status(out) if (out / "status.json").exists() else None
    yield {"result": result, "status": status, "peak_rss": peak_rss, "elapsed": elapsed,
           "drip": drip, "chain": chain, "silent": silent, "web": web}


@pytest.fixture(scope="module")
def checks(hostile) -> dict[str, dict[str, Any]]:
    assert hostile["status"] is not None, hostile["result"].stderr[-3000:]
    return by_name(hostile["status"])


def host_of(hostile) -> str:
    return f"127.0.0.1:{hostile['web'].port}"


# -- the run survives -------------------------------------------------------------------


def test_run_completes_and_reports_every_resource(hostile, checks):
    result = hostile["result"]
    assert result.returncode == 1, result.stderr[-3000:]
    assert " complete in " in result.stdout, result.stdout
    assert all(entry["status"] != "unchecked" for entry in checks.values())
    assert len(checks) == len(hostile["web"].routes) + 1


def test_no_traceback_or_unhandled_error(hostile):
    stderr = hostile["result"].stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "Unhandled error" not in stderr
    assert "] ERROR:" not in stderr


def test_crawl_finishes_in_bounded_time(hostile):
    assert hostile["elapsed"] < CRAWL_TIME_LIMIT


def test_peak_memory_stays_bounded(hostile):
    """1 GiB bombs and a 20 MB body must cost about MAX_BODY each, not their size."""
    assert hostile["peak_rss"] < PEAK_RSS_LIMIT, f"{hostile['peak_rss'] / MIB:.0f} MiB"


def test_well_behaved_page_next_to_hostile_ones_is_up(checks):
    fine = checks["fine"]
    assert (fine["status"], fine["title"], fine["retries"]) == ("up", "Fine", 0)


# -- size limits ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["oversized", "oversized-streamed"])
def test_body_over_the_limit_is_stopped(checks, name):
    """With Content-Length, before the body; without, once MAX_BODY bytes have come."""
    entry = checks[name]
    assert entry["status"] == "down"
    assert entry["error"] == f"response larger than max_body_bytes ({MAX_BODY} bytes); download stopped"
    assert entry["retries"] == 0


@pytest.mark.parametrize("name, encoding", [
    ("gzip-bomb", "gzip"), ("deflate-bomb", "deflate"), ("brotli-bomb", "br"),
])
def test_decompression_bomb_is_stopped_at_the_limit(checks, name, encoding):
    entry = checks[name]
    assert entry["status"] == "down"
    assert entry["error"].startswith(f"compressed response ({encoding}, ")
    assert entry["error"].endswith(f"expands past max_body_bytes ({MAX_BODY} bytes); decompression stopped")
    assert entry["retries"] == 0, "a bomb is not worth a second try"


def test_body_that_is_not_what_content_encoding_says_is_down(checks):
    entry = checks["gzip-garbage"]
    assert entry["status"] == "down"
    assert entry["error"].startswith("response body is not valid gzip as declared by Content-Encoding: ")


# -- time limits ------------------------------------------------------------------------


def test_dripping_server_is_cut_off_by_the_timeout(checks, hostile):
    """DOWNLOAD_TIMEOUT is one timer per attempt, not reset by each byte that arrives."""
    entry = checks["drip"]
    assert entry["status"] == "down"
    assert entry["error"] == f"timed out after {TIMEOUT} s waiting for {host_of(hostile)}"
    durations = hostile["drip"].connections.durations
    assert len(durations) == RETRIES + 1
    # Not cut short, and one timer: a timer reset by each byte would never fire (the
    # drip declares a megabyte at a byte a second), so the bound can be generous.
    assert TIMEOUT - 0.5 < durations[0], durations
    assert max(durations) < 2 * TIMEOUT, durations


def test_tls_handshake_that_never_completes_times_out(checks, hostile):
    entry = checks["tls-never-handshakes"]
    assert entry["status"] == "down"
    assert entry["error"] == f"timed out after {TIMEOUT} s waiting for 127.0.0.1:{hostile['silent'].port}"
    assert entry["http_status"] is None and entry["tls_expires_at"] is None
    assert len(hostile["silent"].connections.spans) == RETRIES + 1


# -- redirects --------------------------------------------------------------------------


def test_long_redirect_chain_is_abandoned_at_the_limit(checks, hostile):
    entry = checks["chain"]
    assert entry["status"] == "down" and entry["http_status"] is None
    assert hostile["chain"].steps == list(range(1, MAX_REDIRECTS + 2)), "followed past the limit"


def test_long_redirect_chain_is_not_called_a_loop(checks):
    assert checks["chain"]["error"] == f"too many redirects (more than {MAX_REDIRECTS})"


@pytest.mark.parametrize("name, scheme", [("to-file", "file"), ("to-ftp", "ftp"), ("to-data", "data")])
def test_redirect_to_another_scheme_is_refused(checks, name, scheme):
    entry = checks[name]
    assert entry["status"] == "down"
    assert entry["error"] == f"redirect to unsupported scheme {scheme}: refused"
    assert entry["redirects"] == [{"url": entry["url"], "status": 302}]
    assert entry["final_url"] == entry["url"] and entry["title"] is None


def test_redirect_to_an_unparsable_url_is_refused(checks):
    entry = checks["to-invalid"]
    assert entry["status"] == "down"
    assert entry["error"] == "redirect to an invalid URL 'http://[::1': refused"


# -- hostile bodies are still pages -----------------------------------------------------


def test_mixed_and_invalid_encodings_decode_with_replacement(checks):
    entry = checks["mixed-encoding"]
    assert entry["status"] == "up"
    assert entry["title"].startswith("Café and caf")
    assert "\ufffd" in entry["title"] and "\x00" not in entry["title"]


def test_unknown_charset_falls_back_to_sniffing(checks):
    entry = checks["unknown-charset"]
    assert (entry["status"], entry["title"]) == ("up", "Café")


@pytest.mark.parametrize("name", ["random-bytes", "png-as-html"])
def test_binary_served_as_html_is_up_without_a_title(checks, name):
    entry = checks[name]
    assert entry["status"] == "up" and entry["http_status"] == 200
    assert entry["title"] is None and entry["description"] is None
    assert entry["body_bytes"] > 100_000


def test_deeply_nested_html_is_parsed(checks):
    entry = checks["deep"]
    assert (entry["status"], entry["title"]) == ("up", "Deep")


def test_truncated_html_keeps_what_arrived(checks):
    entry = checks["truncated"]
    assert (entry["status"], entry["title"], entry["description"]) == ("up", "Cut short", None)


# -- broken connections and protocol ----------------------------------------------------


@pytest.mark.parametrize("name", ["reset", "short"])
def test_connection_lost_mid_body_is_down(checks, hostile, name):
    """RST or FIN before Content-Length bytes arrived: a partial page is not a page."""
    entry = checks[name]
    assert entry["status"] == "down"
    assert entry["error"] == f"connection to {host_of(hostile)} closed before the whole response arrived"
    assert entry["retries"] == RETRIES


def test_a_hangup_is_a_connection_failure(checks, hostile):
    entry = checks["hangup"]
    assert entry["status"] == "down" and entry["http_status"] is None
    assert entry["error"].startswith(f"connection to {host_of(hostile)} failed: ")


def test_an_answer_that_is_not_http_is_named_without_its_bytes(checks, hostile):
    entry = checks["not-http"]
    assert entry["status"] == "down" and entry["http_status"] is None
    assert entry["error"].startswith(f"invalid HTTP response from {host_of(hostile)}: "), entry["error"]
    assert "\n" not in entry["error"] and len(entry["error"]) < 200


def test_absurd_status_code_is_refused_not_stored(checks, hostile):
    """A status too large for SQLite used to crash the pipeline and leave the run incomplete."""
    entry = checks["absurd-status"]
    assert entry["status"] == "down" and entry["http_status"] is None
    assert entry["error"] == (f"invalid HTTP status 99999999999999999999 from {host_of(hostile)} "
                              "(valid codes are 100-599)")


def test_header_bytes_that_are_not_utf8_are_taken_as_they_are(checks):
    """A Latin-1 header value (é as one byte) is a header like any other, and a Location
    in Latin-1 is followed, percent-encoded as a browser does."""
    assert checks["latin1-header"]["status"] == "up", checks["latin1-header"].get("error")
    moved = checks["latin1-location"]
    assert moved["status"] == "up", moved.get("error")
    assert moved["final_url"].endswith("/latin1-target/caf%E9")
