"""Apprise digests and webhooks from real runs of the CLI: one message per run and
channel, what the run changed and nothing else, every delivery stored and listed by
`run -v`, secrets never printed, a hanging channel recorded without holding the run,
webhooks speaking the same events as Apprise, and `healthcrawl notify test`: a sample
of every event, each channel getting only its own, failures said in one plain
sentence. The receivers are real: aiosmtpd for mail, an HTTP server for json:// and
webhooks, a port nobody listens on."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
from email import message_from_bytes, policy

import pytest
import yaml
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import free_port, refused_port, run_cli

pytestmark = pytest.mark.crawl

PASSWORD = "Hunter2SmtpSecret"


class City:
    """A Spanish news page; the test adds an item and takes a second site down between runs."""

    def __init__(self):
        self.items = [(2, "Convocatoria de movilidad urbana", "2026-11-20"), (1, "Plan de agua 2030", "2026-11-10")]
        self.flaky_up = True

    def page(self, request: Request) -> Response:
        articles = "".join(
            f'<article><h2><a href="/city/{n}">{title}</a></h2><time datetime="{day}">{day}</time></article>'
            for n, title, day in self.items)
        return Response(f'<html lang="es"><title>Ciudad</title><body>{articles}<a href="/gone">viejo</a>'
                        "</body></html>", content_type="text/html; charset=utf-8")

    def flaky(self, request: Request) -> Response:
        if self.flaky_up:
            return Response("<title>Flaky</title><p>ok</p>", content_type="text/html")
        return Response("maintenance", status=503)


class Mailbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                policy=policy.default))
        return "250 OK"

    def to(self, address: str, *, test: bool = False) -> list:
        """Messages to an address: from the runs, or (test=True) from `notify --test`."""
        return [m for m in self.messages
                if m["To"] == address and m["Subject"].startswith("healthcrawl test:") == test]


class Silent:
    """Accepts connections and never answers."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.held.append(self.server.accept()[0])
            except OSError:
                return


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    city, mailbox, silent, posted, hooked = City(), Mailbox(), Silent(), [], []
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/city/").respond_with_handler(city.page)
    server.expect_request("/flaky/").respond_with_handler(city.flaky)
    server.expect_request(re.compile(r"^/city/\d+$")).respond_with_data("<title>item</title>", content_type="text/html")
    server.expect_request("/gone").respond_with_data("gone", status=404)
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/digest", method="POST").respond_with_handler(
        lambda request: (posted.append(json.loads(request.get_data())), Response("ok"))[1])
    server.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: (hooked.append(json.loads(request.get_data())), Response("ok"))[1])
    server.start()
    mail = f"mailto://127.0.0.1:{smtp.port}/?from=healthcrawl@example.org&to="
    folder = tmp_path_factory.mktemp("notifications")
    config = folder / "resources.yaml"
    config.write_text(yaml.safe_dump({
        "settings": {"retries": 0},
        "notify": {"timeout": 1, "retries": 0, "webhooks": [server.url_for("/hook")],
                   "on": ["broken_links", "down", "tls_expiring"], "apprise": [
            {"url": mail + "news@example.org", "on": ["announcements"]},
            mail + "all@example.org",
            {"url": f"json://127.0.0.1:{server.port}/digest", "on": ["down", "recovered"]},
            {"url": f"json://bot:{PASSWORD}@127.0.0.1:{silent.port}/hang", "on": ["down"]},
        ]},
        "resources": [{"name": "Ciudad", "url": server.url_for("/city/")},
                      {"name": "Flaky", "url": server.url_for("/flaky/")}],
    }))
    out = folder / "out"
    args = ("run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out), "-v")
    results, mail_counts, post_counts, hook_counts = [], [], [], []
    for step in range(3):
        if step == 1:
            city.items.insert(0, (3, "Nueva ciclovía en el centro", "2026-12-02"))
            city.flaky_up = False
        results.append(run_cli(*args))
        mail_counts.append(len(mailbox.messages))
        post_counts.append(len(posted))
        hook_counts.append(len(hooked))
    refused = refused_port()
    test_config = folder / "test.yaml"
    test_config.write_text(yaml.safe_dump({
        "notify": {"webhooks": [server.url_for("/hook")], "on": ["down", "broken_links"],
                   "apprise": [mail + "test@example.org",
                               {"url": f"json://127.0.0.1:{server.port}/digest", "on": ["announcements"]}]},
        "resources": [{"name": "Ciudad", "url": server.url_for("/city/")}]}))
    refused_config = folder / "refused.yaml"
    refused_config.write_text(yaml.safe_dump({
        "notify": {"webhooks": [f"http://127.0.0.1:{refused}/hook?token=SECRET"],
                   "apprise": [f"json://127.0.0.1:{refused}/digest"]},
        "resources": [{"name": "Ciudad", "url": server.url_for("/city/")}]}))
    none_config = folder / "none.yaml"
    none_config.write_text(yaml.safe_dump({"resources": [{"name": "Ciudad", "url": server.url_for("/city/")}]}))
    before_tests = len(hooked), len(posted)
    notify_tests = {
        "ok": run_cli("notify", "test", "-c", str(test_config)),
        "failing": run_cli("notify", "--test", "--config", str(config)),
        "refused": run_cli("notify", "test", "-c", str(refused_config)),
        "none": run_cli("notify", "test", "--config", str(none_config)),
    }
    db = sqlite3.connect(out / "health.db")
    db.row_factory = sqlite3.Row
    deliveries = [dict(r) for r in db.execute("SELECT * FROM deliveries ORDER BY id")]
    dump = "\n".join(db.iterdump())
    db.close()
    yield {"runs": results, "mailbox": mailbox, "posted": posted, "mail_counts": mail_counts,
           "post_counts": post_counts, "hooked": hooked, "hook_counts": hook_counts, "before_tests": before_tests,
           "refused": refused,
           "deliveries": deliveries, "dump": dump, "notify": notify_tests, "silent": silent}
    server.clear()
    server.stop()
    smtp.stop()


def test_first_run_sends_the_broken_link_and_no_announcement_baseline(runs):
    [first] = runs["mailbox"].to("all@example.org")[:1]
    assert first["Subject"] == "healthcrawl: 1 newly broken link"  # /gone; the item pages answer
    text = first.get_body(("plain",)).get_content()
    assert "/gone" in text and "Convocatoria" not in text  # the first run is the baseline for news
    assert runs["mail_counts"][0] == 1  # the news-only channel had nothing to say


def test_second_run_digest_groups_new_announcements_and_the_incident(runs):
    news = runs["mailbox"].to("news@example.org")
    assert len(news) == 1  # one message for the run, never one per item
    assert news[0]["Subject"] == "healthcrawl: 1 new announcement"
    text = news[0].get_body(("plain",)).get_content()
    assert "Ciudad" in text and "Nueva ciclovía en el centro" in text and "/city/3" in text
    assert "Flaky" not in text  # this channel asked for announcements only
    everything = runs["mailbox"].to("all@example.org")[1]
    assert everything["Subject"] == "healthcrawl: 1 resource down, 1 new announcement"
    html = everything.get_body(("html",)).get_content()
    assert "Nueva ciclovía en el centro</a>" in html and "Flaky" in html and "503" in html
    assert [p["title"] for p in runs["posted"][:runs["post_counts"][1]]] == ["healthcrawl: 1 resource down"]


def test_a_run_with_nothing_new_sends_nothing(runs):
    assert runs["mail_counts"][2] == runs["mail_counts"][1]
    assert runs["post_counts"] == [0, 1, 1]
    third = runs["runs"][2]
    assert "healthcrawl: notified" not in third.stderr
    assert not [d for d in runs["deliveries"] if d["run_id"] == 3]


def test_every_delivery_is_stored_and_listed_with_secrets_masked(runs):
    second = [d for d in runs["deliveries"] if d["run_id"] == 2]
    assert [(d["channel"].split("/")[-1], d["ok"], json.loads(d["events"])) for d in second] == [
        ("hook", 1, ["down"]),
        ("news%40example.org", 1, ["announcements"]),
        ("all%40example.org", 1, ["announcements", "down"]),
        ("digest", 1, ["down"]),
        ("hang", 0, ["down"]),
    ]
    hang = second[4]
    assert hang["channel"] == f"json://bot:****@127.0.0.1:{runs['silent'].port}/hang" and hang["error"]
    stderr = runs["runs"][1].stderr
    assert "healthcrawl: notified apprise mailto://127.0.0.1:" in stderr
    assert f"warning: apprise json://bot:****@127.0.0.1:{runs['silent'].port}/hang (down) failed" in stderr
    for result in runs["runs"]:
        assert PASSWORD not in result.stdout + result.stderr and "Traceback" not in result.stderr
    assert PASSWORD not in runs["dump"]


def test_a_hanging_channel_does_not_fail_the_run(runs):
    second = runs["runs"][1]
    assert second.returncode == 1  # Flaky is down and a link is broken: the notifier changes nothing
    assert "run 2 complete" in second.stdout


def test_webhooks_speak_the_same_events_as_apprise(runs):
    """`on: [broken_links, down, tls_expiring]` for webhooks: run 1 posts the newly
    broken link, run 2 the incident, run 3 nothing."""
    assert runs["hook_counts"] == [1, 2, 2]
    broken, down = runs["hooked"][:2]
    assert broken["event"] == "broken_links" and broken["resource"]["slug"] == "ciudad"
    assert [(link["url"].rsplit("/", 1)[1], link["error"]) for link in broken["links"]] == [("gone", "HTTP 404 Not Found")]
    assert broken["links"][0]["found_on"] == [broken["resource"]["url"]] and broken["run"]["id"] == 1
    assert down["event"] == "down" and down["resource"]["name"] == "Flaky" and down["incident"]["started_at"]
    assert down["run"]["cause"] is None  # the other site answered: no cause every failure shares


def test_notify_test_sends_every_event_to_each_channel_as_its_on_list_says(runs):
    ok = runs["notify"]["ok"]
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "healthcrawl: test sent to 3 channels, 3 delivered, 0 failed\n"
    [sample] = runs["mailbox"].to("test@example.org", test=True)
    text = sample.get_body(("plain",)).get_content()
    for section in ("new announcements", "down", "recovered", "newly broken links", "certificates expiring"):
        assert f"\n{section}\r\n" in text.lower(), section  # every event kind, recovered and tls_expiring too
    assert "notify test" in text and sample["Subject"] == (
        "healthcrawl test: 1 resource down, 1 recovered, 1 new announcement, 1 newly broken link, "
        "1 certificate expiring")
    hooks, digests = runs["before_tests"]
    [payload] = runs["hooked"][hooks:hooks + 1]
    assert payload["event"] == "test" and payload["events"] == ["down", "broken_links"]
    assert [sample["event"] for sample in payload["samples"]] == ["down", "broken_links"]  # its own events only
    down, broken = payload["samples"]
    assert set(down) == set(runs["hooked"][1]) and set(broken) == set(runs["hooked"][0])  # the shapes of a real run
    assert down["resource"]["name"] == "Ciudad" and broken["links"][0]["found_on"] == [down["resource"]["url"]]
    [news] = runs["posted"][digests:digests + 1]
    assert news["title"] == "healthcrawl test: 1 new announcement"  # a channel with on: [announcements]
    assert "RECOVERED" not in news["message"] and "DOWN" not in news["message"]
    assert "notified webhook http://127.0.0.1:" in ok.stderr and "/hook (down, broken_links)" in ok.stderr


def test_notify_dash_dash_test_is_the_same_and_reports_failures(runs):
    failing = runs["notify"]["failing"]
    assert failing.returncode == 1 and "5 channels, 4 delivered, 1 failed" in failing.stdout
    [news] = runs["mailbox"].to("news@example.org", test=True)
    assert news["Subject"] == "healthcrawl test: 1 new announcement"  # on: [announcements], and nothing else
    assert PASSWORD not in failing.stdout + failing.stderr
    none = runs["notify"]["none"]
    assert none.returncode == 2 and "no notify.apprise channels or notify.webhooks" in none.stderr


def test_a_refused_channel_is_one_plain_sentence_for_webhooks_and_apprise(runs):
    refused, port = runs["notify"]["refused"], runs["refused"]
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"healthcrawl: warning: webhook http://127.0.0.1:{port}/hook?**** (down, recovered, announcements) failed "
        f"after 1 attempt: connection refused by 127.0.0.1:{port}",
        f"healthcrawl: warning: apprise json://127.0.0.1:{port}/digest (announcements, down, recovered, "
        f"broken_links, tls_expiring) failed after 1 attempt: connection refused by 127.0.0.1:{port}",
    ]
    assert "SECRET" not in refused.stdout + refused.stderr
