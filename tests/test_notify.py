"""Apprise digests against real receivers on loopback: an SMTP server (aiosmtpd) whose
mail is parsed with the `email` package, an HTTP server taking Apprise's json://
payload, and servers that hang or refuse, which are recorded within the time bound.
The digest's content, its narrowing to a channel's events and its escaping are pure
and tested on values."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from crawler.core.config import EVENTS, AppriseChannel, ConfigError, load_config
from crawler.report.channels import masked, send_digest, with_timeouts
from crawler.report.digest import (
    BrokenLink,
    Digest,
    ExpiringCertificate,
    IncidentNote,
    NewsItem,
    ResourceNews,
    render,
    sample,
)
from crawler.report.notify import mask_webhook
from tests.conftest import free_port, refused_port

DIGEST = Digest(
    run_id=7,
    announcements=(
        ResourceNews("Ciudades Sostenibles", "https://blogs.example.org/ciudades/", (
            NewsItem("Movilidad urbana en Santiago", "https://blogs.example.org/ciudades/movilidad",
                     "2026-12-02T00:00:00Z"),
            NewsItem("Agua & <ciudad>", "javascript:alert(1)", None),
        )),
        ResourceNews("Bruxelles Smart City", "https://smartcity.example.brussels/", (
            NewsItem("Le vélo partagé s'étend", "https://smartcity.example.brussels/velo", "2026-12-01T09:30:00Z"),
        )),
    ),
    opened=(IncidentNote("WEF Cities", "https://wef.example.org/cities", "2026-12-03T06:00:00Z",
                         "connection refused by wef.example.org:443"),),
    closed=(IncidentNote("NIST GCTC", "https://gctc.example.gov/", "2026-12-02T06:00:00Z", "HTTP 503",
                         "2026-12-03T06:00:00Z"),),
    broken=(BrokenLink("Ciudades Sostenibles", "https://blogs.example.org/ciudades/gone", "HTTP 404",
                       ("https://blogs.example.org/ciudades/",)),),
    expiring=(ExpiringCertificate("Se Santiago", "https://sesantiago.example.cl/", "2026-12-10T00:00:00Z", 6),),
)


# -- the digest: pure ---------------------------------------------------------------


def test_title_counts_what_is_new_most_urgent_first():
    assert DIGEST.title == ("healthcrawl: 1 resource down, 1 recovered, 3 new announcements, "
                            "1 newly broken link, 1 certificate expiring")
    assert DIGEST.events == ("announcements", "down", "recovered", "broken_links", "tls_expiring")


def test_a_channel_sees_only_its_events_and_an_empty_share_is_empty():
    news_only = DIGEST.only(["announcements"])
    assert news_only.events == ("announcements",) and not news_only.opened and not news_only.broken
    assert news_only.title == "healthcrawl: 3 new announcements"
    assert Digest(run_id=7).empty and DIGEST.only([]).empty
    assert Digest(run_id=7, opened=DIGEST.opened).only(["announcements"]).empty


def test_text_body_groups_announcements_by_resource_then_incidents_then_links():
    text, _ = render(DIGEST)
    order = [text.index(s) for s in ("NEW ANNOUNCEMENTS", "Ciudades Sostenibles", "Bruxelles Smart City",
                                     "DOWN", "RECOVERED", "NEWLY BROKEN LINKS", "CERTIFICATES EXPIRING")]
    assert order == sorted(order)
    assert "  * Movilidad urbana en Santiago (2026-12-02)\n    https://blogs.example.org/ciudades/movilidad" in text
    assert "Agua & <ciudad> (undated)" in text  # plain text is not escaped
    assert "NIST GCTC <https://gctc.example.gov/>: back after 24 h 0 min" in text
    assert "expires 2026-12-10 (6 days)" in text


def test_html_body_is_escaped_and_links_only_to_web_urls():
    _, html = render(DIGEST)
    assert "Agua &amp; &lt;ciudad&gt;" in html and "<ciudad>" not in html
    assert 'href="javascript:' not in html
    assert '<a href="https://blogs.example.org/ciudades/movilidad">Movilidad urbana en Santiago</a>' in html


def test_sample_digest_has_every_event_and_names_a_configured_resource(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("resources:\n  - name: Se Santiago\n    url: https://sesantiago.example.cl/\n")
    digest = sample(load_config(path))
    assert digest.test and digest.title.startswith("healthcrawl test: ")
    assert set(digest.events) == set(EVENTS)  # incl. recovered and tls_expiring
    assert {note.resource for note in (*digest.announcements, *digest.opened, *digest.closed, *digest.broken,
                                       *digest.expiring)} == {"Se Santiago"}
    assert "notify test" in render(digest)[0]
    assert digest.only(["announcements"]).events == ("announcements",)


# -- configuration --------------------------------------------------------------------


def test_apprise_channels_are_strings_or_url_with_on(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(
        "notify:\n  apprise:\n    - json://127.0.0.1:9/hook\n"
        "    - url: mailto://127.0.0.1:25/?from=a@example.org&to=b@example.org\n      on: [down, recovered]\n"
        "resources:\n  - name: A\n    url: http://a.example/\n")
    notify = load_config(path).notify
    assert notify.apprise == (
        AppriseChannel("json://127.0.0.1:9/hook", EVENTS),
        AppriseChannel("mailto://127.0.0.1:25/?from=a@example.org&to=b@example.org", ("down", "recovered")))
    assert notify.webhooks == () and notify.on == ("down", "recovered", "announcements")


@pytest.mark.parametrize(("entry", "message"), [
    ("'nosuchservice://x/y'", "notify: field 'apprise' #1: Apprise cannot read this nosuchservice:// URL"),
    ("{url: 'json://h/x', on: [weather]}", "notify: field 'apprise' #1: field 'on': unknown event 'weather' "
                                           "(allowed: announcements, broken_links, down, recovered, tls_expiring)"),
    ("{url: 'json://h/x', on: [brokenlinks]}", "field 'on': unknown event 'brokenlinks': did you mean 'broken_links'?"),
    ("{url: 'json://h/x', every: 1}", "notify: field 'apprise' #1: unknown key 'every'"),
    ("42", "notify: field 'apprise' #1: expected an Apprise URL"),
])
def test_a_bad_channel_stops_with_a_clear_message_that_does_not_quote_the_url(tmp_path, entry, message):
    path = tmp_path / "r.yaml"
    path.write_text(f"notify:\n  apprise:\n    - {entry}\nresources:\n  - name: A\n    url: http://a.example/\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)


def test_secret_of_an_unreadable_url_is_not_quoted(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("notify:\n  apprise: ['mailto://user:Hunter2Secret@']\n"
                    "resources:\n  - name: A\n    url: http://a.example/\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "Hunter2Secret" not in str(info.value) and "mailto://" in str(info.value)


def test_missing_apprise_package_is_a_config_error_that_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "apprise", None)  # what `import apprise` sees when it is not installed
    path = tmp_path / "r.yaml"
    path.write_text("notify:\n  apprise: ['json://h/x']\nresources:\n  - name: A\n    url: http://a.example/\n")
    with pytest.raises(ConfigError, match=r"apprise package is not installed: run /\S+/scripts/setup.sh --with notify"):
        load_config(path)


# -- masking --------------------------------------------------------------------------


def test_masked_urls_hide_passwords_and_tokens():
    assert masked("mailto://bot:Hunter2Secret@mail.example.org/?to=a@example.org") == \
        "mailto://bot:****@mail.example.org/a%40example.org"
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in masked("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general")
    assert mask_webhook("https://hooks.slack.com/services/T000/B000/XXXXSECRET") == \
        "https://hooks.slack.com/services/****"
    assert with_timeouts("json://h/x?cto=3", 5) == "json://h/x?cto=3&rto=5"


# -- real receivers -------------------------------------------------------------------


class Mailbox:
    """aiosmtpd handler: keeps every message as received, bytes and all."""

    def __init__(self):
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


@pytest.fixture
def hanging_port():
    """A TCP server that accepts connections and then says nothing, ever."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def mail_url(port: int, **extra: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"from": "healthcrawl@example.org", "to": "team@example.org",
                                              **extra}.items())
    return f"mailto://127.0.0.1:{port}/?{query}"


def test_email_digest_arrives_with_subject_text_and_html_parts_and_links(smtp):
    port, mailbox = smtp
    [delivery] = send_digest((AppriseChannel(mail_url(port)),), DIGEST, timeout=5, retries=0)
    assert delivery.ok and delivery.kind == "apprise" and delivery.attempts == 1
    assert delivery.events == DIGEST.events
    [raw] = mailbox.messages
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == DIGEST.title and mail["To"] == "team@example.org"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for expected in ("Movilidad urbana en Santiago", "Le vélo partagé s'étend", "WEF Cities",
                     "https://blogs.example.org/ciudades/movilidad", "https://blogs.example.org/ciudades/gone"):
        assert expected in text
    assert '<a href="https://smartcity.example.brussels/velo">Le vélo partagé s&#39;étend</a>' in html
    assert text.index("Ciudades Sostenibles") < text.index("WEF Cities") < text.index("/ciudades/gone")


def test_each_channel_gets_its_share_and_an_empty_share_sends_nothing(smtp):
    port, mailbox = smtp
    channels = (AppriseChannel(mail_url(port, to="news@example.org"), ("announcements",)),
                AppriseChannel(mail_url(port, to="ops@example.org"), ("down", "recovered")))
    deliveries = send_digest(channels, Digest(run_id=1, opened=DIGEST.opened), timeout=5, retries=0)
    assert [(d.channel, d.events) for d in deliveries] == [(f"mailto://127.0.0.1:{port}/ops%40example.org",
                                                           ("down",))]
    [raw] = mailbox.messages
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["To"] == "ops@example.org" and mail["Subject"] == "healthcrawl: 1 resource down"
    assert send_digest(channels, Digest(run_id=2), timeout=5, retries=0) == []
    assert len(mailbox.messages) == 1


def test_json_channel_posts_apprise_payload():
    received = []

    def take(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("ok")

    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("/digest", method="POST").respond_with_handler(take)
        url = f"json://127.0.0.1:{server.port}/digest"
        [delivery] = send_digest((AppriseChannel(url, ("announcements", "down")),), DIGEST, timeout=5, retries=0)
    assert delivery.ok and delivery.events == ("announcements", "down")
    [payload] = received
    assert payload["title"] == "healthcrawl: 1 resource down, 3 new announcements"
    assert "Movilidad urbana en Santiago" in payload["message"] and "NIST GCTC" not in payload["message"]
    assert "<li>" not in payload["message"] and "<a href" not in payload["message"]  # text, not HTML, for a JSON consumer


def test_refused_and_hanging_channels_are_recorded_within_the_bound(smtp, hanging_port):
    port, mailbox = smtp
    refused = refused_port()
    channels = (AppriseChannel(f"json://127.0.0.1:{refused}/hook?token=SECRETTOKEN99"),
                AppriseChannel(f"json://127.0.0.1:{hanging_port}/hook"),
                AppriseChannel(mail_url(hanging_port)),
                AppriseChannel(mail_url(port)))
    started = time.monotonic()
    deliveries = send_digest(channels, DIGEST, timeout=1, retries=1)
    elapsed = time.monotonic() - started
    assert elapsed < 10  # bound: timeout × (retries + 1) + 1 = 3 s; a hang would never return
    by_port = {d.channel.split(":")[2].split("/")[0]: d for d in deliveries}
    assert not by_port[str(refused)].ok and by_port[str(refused)].attempts == 2
    assert "SECRETTOKEN99" not in repr(deliveries)
    hanging = [d for d in deliveries if f":{hanging_port}/" in d.channel]
    assert len(hanging) == 2 and not any(d.ok for d in hanging) and all(d.error for d in hanging)
    assert by_port[str(port)].ok and len(mailbox.messages) == 1  # the healthy channel still got its mail


def test_a_rejected_login_is_recorded_with_the_reason_and_no_password(smtp):
    port, _ = smtp
    url = f"mailto://bot:Hunter2Secret@127.0.0.1:{port}/?from=healthcrawl@example.org&to=team@example.org"
    [delivery] = send_digest((AppriseChannel(url),), DIGEST, timeout=5, retries=0)
    assert not delivery.ok and "AUTH" in (delivery.error or "")
    assert delivery.channel == f"mailto://bot:****@127.0.0.1:{port}/team%40example.org"
    assert "Hunter2Secret" not in repr(delivery)
