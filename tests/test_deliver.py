"""Email delivery against a real SMTP server (aiosmtpd on 127.0.0.1): the message a reader
gets (text, HTML, the PDF byte for byte), the outbox that keeps it through failures, retries
that deliver exactly once, the password that only ever comes from the environment, TLS."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import SEEDS, run_cli, self_signed_certificate, write_config
from fixtures_smtp import ScriptedSMTP, SMTPServer, free_port, smtp_server_fixture  # noqa: F401

from briefing.clock import FakeClock, iso, use_clock
from briefing.config import Settings, load_settings
from briefing.deliver.commands import send_briefing_dir, send_command
from briefing.deliver.message import build_message
from briefing.deliver.outbox import queue_briefing, retry_delay, send_queued
from briefing.errors import ConfigError, DeliveryError
from briefing.render.templates import TemplateRenderError
from briefing.store import Store

RECIPIENTS = ["reader@example.org", "desk@example.org"]


def email_config(port: int, **extra) -> dict:
    return {"enabled": True, "smtp_host": "127.0.0.1", "smtp_port": port, "security": "none",
            "from": "briefing@example.org", "to": RECIPIENTS, "timeout_seconds": 5,
            "retry_seconds": 1, **extra}


def make_settings(folder: Path, port: int, **extra) -> Settings:
    return load_settings(write_config(folder, email=email_config(port, **extra)))


@pytest.fixture
def rendered(seed_render, tmp_path: Path) -> Path:
    """A copy of the seed briefing's folder, recorded in this test's own state database."""
    day = tmp_path / "output" / seed_render["dir"].name
    shutil.copytree(seed_render["dir"], day)
    return day


def record(settings: Settings, day: Path) -> str:
    date = json.loads((day / "briefing.json").read_text(encoding="utf-8"))["date"]
    with Store(settings.database_path) as store:
        store.record_briefing(date, day, [], 1)
    return date


def outbox(settings: Settings) -> list:
    with Store(settings.database_path) as store:
        return store.outbox()


def flat(text: str) -> str:
    return " ".join(text.split())


class Elements(HTMLParser):
    """Every element (tag, attributes) and all text of an HTML document, as a browser reads
    them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_data(self, data):
        self.text += data


# --- the message ----------------------------------------------------------------------------


def test_message_has_text_html_and_the_pdf_byte_for_byte(rendered, tmp_path):
    settings = make_settings(tmp_path, 25)
    data = json.loads((rendered / "briefing.json").read_text(encoding="utf-8"))
    built = build_message(settings, rendered)
    msg = message_from_bytes(built.data, policy=policy.default)

    assert msg["Subject"] == f"{data['title']} — {data['date']}" == built.subject
    assert msg["From"].addresses[0].addr_spec == "briefing@example.org"
    assert [a.addr_spec for a in msg["To"].addresses] == RECIPIENTS
    assert msg["Message-ID"] == built.message_id
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html",
        "application/pdf"]
    pdf = next(msg.iter_attachments())
    assert pdf.get_filename() == f"briefing-{data['date']}.pdf"
    assert pdf.get_content() == (rendered / "briefing.pdf").read_bytes()

    # Safe for any SMTP server: 7-bit, CRLF, no line over the RFC 5322 limit.
    assert built.data.isascii()
    assert all(len(line) <= 998 for line in built.data.split(b"\r\n"))
    assert b"\n" not in built.data.replace(b"\r\n", b"")

    items = [i["text"] for s in data["sections"] for i in s["items"]]
    text = flat(msg.get_body(("plain",)).get_content())
    html = msg.get_body(("html",)).get_content()
    for section in data["sections"]:
        assert section["title"].upper() in text
        assert section["title"] in html
    for item in items:
        assert flat(item) in text
    for n, article in enumerate(data["articles"], start=1):
        assert f"[{n}] {flat(article['title'])}" in text
    # CSS is inlined for mail clients, and custom properties are resolved (clients ignore them).
    assert re.search(r"<body[^>]*\sstyle=\"[^\"]+\"", html)
    assert not re.search(r"style=\"[^\"]*var\(--", html)


def test_untrusted_text_is_escaped_in_html_and_verbatim_in_text(rendered, tmp_path):
    settings = make_settings(tmp_path, 25)
    path = rendered / "briefing.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    evil = 'Evil <script>alert("x")</script> & <img src=x onerror=alert(1)> here.'
    data["sections"][0]["items"][0]["text"] = evil
    data["articles"][0]["title"] = "<b onmouseover=alert(2)>Headline</b>"
    data["articles"][0]["url"] = "javascript:alert(3)"
    path.write_text(json.dumps(data), encoding="utf-8")

    msg = message_from_bytes(build_message(settings, rendered).data, policy=policy.default)
    html = msg.get_body(("html",)).get_content()
    dom = Elements()
    dom.feed(html)
    # Shown as text, never turned into elements, handlers or links.
    assert not {"script", "img", "b"} & {tag for tag, _ in dom.elements}
    assert not [name for _, attrs in dom.elements for name, _ in attrs if name.startswith("on")]
    assert not [v for _, attrs in dom.elements for _, v in attrs if "javascript:" in (v or "")]
    assert evil in flat(dom.text)
    text = msg.get_body(("plain",)).get_content()
    assert evil in flat(text)
    assert "javascript:" not in text


def test_subject_template_takes_only_the_named_fields(rendered, tmp_path):
    data = json.loads((rendered / "briefing.json").read_text(encoding="utf-8"))
    n_items = sum(len(s["items"]) for s in data["sections"])
    settings = make_settings(tmp_path, 25, subject="{date}: {items} items, {articles} sources")
    assert build_message(settings, rendered).subject == \
        f"{data['date']}: {n_items} items, {len(data['articles'])} sources"
    for bad in ("{title.__class__}", "{nope}", "{}", "{title"):
        settings = make_settings(tmp_path, 25, subject=bad)
        with pytest.raises(ConfigError, match="email.subject"):
            build_message(settings, rendered)


def test_missing_files_or_recipients_are_named(rendered, tmp_path):
    settings = make_settings(tmp_path, 25, to=[], enabled=False)
    with pytest.raises(DeliveryError, match="email.to"):
        build_message(settings, rendered)
    settings = make_settings(tmp_path, 25)
    (rendered / "briefing.pdf").unlink()
    with pytest.raises(DeliveryError, match=r"briefing\.pdf is missing"):
        build_message(settings, rendered)
    (rendered / "briefing.json").unlink()
    with pytest.raises(DeliveryError, match=r"briefing\.json is missing"):
        build_message(settings, rendered)


# --- sending and the outbox -----------------------------------------------------------------


def test_send_delivers_once_and_records_it(rendered, tmp_path, smtp_server):
    settings = make_settings(tmp_path, smtp_server.port)
    with Store(settings.database_path) as store:
        outcome = send_briefing_dir(settings, store, rendered)
        assert "message 1 sent" in outcome and RECIPIENTS[0] in outcome
        # Nothing is left to send, so neither the daemon's pass nor a retry sends it again.
        assert send_queued(settings, store, due_only=False) == []
    assert send_command(settings, retry=True) == ("Outbox: nothing waiting.", True)

    [got] = smtp_server.messages
    assert got.sender == "briefing@example.org" and got.recipients == RECIPIENTS
    pdf = next(got.message.iter_attachments()).get_content()
    assert pdf == (rendered / "briefing.pdf").read_bytes()
    [row] = outbox(settings)
    assert row["status"] == "sent" and row["attempts"] == 1 and row["sent_at"]


def test_server_down_keeps_the_message_and_a_retry_delivers_it_exactly_once(rendered,
                                                                             tmp_path):
    port = free_port()  # nothing listens here yet
    settings = make_settings(tmp_path, port)
    date = record(settings, rendered)

    message, ok = send_command(settings, edition=date)
    assert not ok
    assert "Connection refused" in message and "waits in the outbox" in message
    [row] = outbox(settings)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert f"127.0.0.1:{port}" in row["last_error"]

    message, ok = send_command(settings, retry=True)  # still down: kept, later next try
    assert not ok and "waits in the outbox" in message
    [again] = outbox(settings)
    assert again["status"] == "pending" and again["attempts"] == 2
    assert again["next_attempt_at"] >= row["next_attempt_at"]

    with SMTPServer(port) as server:
        message, ok = send_command(settings, retry=True)
        assert ok and "message 1 sent" in message
        assert send_command(settings, retry=True) == ("Outbox: nothing waiting.", True)
        assert len(server.messages) == 1
        pdf = next(server.messages[0].message.iter_attachments()).get_content()
        assert pdf == (rendered / "briefing.pdf").read_bytes()
    [done] = outbox(settings)
    assert done["status"] == "sent" and done["attempts"] == 3


def test_a_waiting_message_is_tried_again_only_when_its_doubling_delay_is_up(rendered,
                                                                            tmp_path):
    port = free_port()  # down
    settings = make_settings(tmp_path, port, retry_seconds=60)
    start = datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
    with use_clock(FakeClock(start)) as clock, Store(settings.database_path) as store:
        message_id = queue_briefing(settings, store, rendered)
        [first] = send_queued(settings, store)  # due as soon as it is queued
        assert first.status == "pending"
        assert first.next_attempt_at == iso(start + timedelta(seconds=60))
        clock.advance(59)
        assert send_queued(settings, store) == []  # not due yet: not tried
        clock.advance(1)
        [second] = send_queued(settings, store)
        assert second.next_attempt_at == iso(start + timedelta(seconds=60 + 120))  # doubled
        with SMTPServer(port) as server:
            clock.advance(119)
            assert send_queued(settings, store) == []
            clock.advance(1)
            [third] = send_queued(settings, store)
            assert third.status == "sent" and len(server.messages) == 1
        row = store.outbox_message(message_id)
        assert row["attempts"] == 3 and row["sent_at"] == iso(start + timedelta(seconds=180))
        # The message was made (and dated) when it was queued; retries send the same bytes.
        assert parsedate_to_datetime(server.messages[0].message["Date"]) == start


def test_retry_delay_doubles_up_to_an_hour():
    assert [retry_delay(60, n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(60, 30) == 3600
    assert retry_delay(7200, 3) == 7200  # a first delay above the cap stays as given


def test_refused_recipients_fail_for_good_until_retried_by_hand(rendered, tmp_path,
                                                                 smtp_server):
    settings = make_settings(tmp_path, smtp_server.port)
    smtp_server.handler.rcpt_reply = "550 5.1.1 no such user"
    with Store(settings.database_path) as store:
        outcome = send_briefing_dir(settings, store, rendered)
        assert "refused by the server" in outcome and "550" in outcome
        assert store.outbox()[0]["status"] == "failed"
        assert send_queued(settings, store) == []  # the daemon does not hammer a refusal
    smtp_server.handler.rcpt_reply = None  # the address was fixed on the server side
    message, ok = send_command(settings, retry=True)
    assert ok and "sent" in message
    assert len(smtp_server.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_password_comes_from_the_environment_and_is_never_stored(rendered, tmp_path,
                                                                  monkeypatch):
    from aiosmtpd.smtp import AuthResult

    secret, wrong = "s3cret-Pa55-91823", "not-the-password-55120"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"briefing", secret.encode())
        return AuthResult(success=ok, handled=False)  # handled=False: the server replies 535

    variable = "BRIEFING_TEST_SMTP_PASSWORD"
    monkeypatch.delenv(variable, raising=False)
    with SMTPServer(authenticator=authenticator, auth_required=True,
                    auth_require_tls=False) as server:
        settings = make_settings(tmp_path, server.port, username="briefing",
                                 password_env=variable)
        with Store(settings.database_path) as store:
            outcome = send_briefing_dir(settings, store, rendered)
        assert f"environment variable {variable} is not set" in outcome

        monkeypatch.setenv(variable, wrong)
        message, ok = send_command(settings, retry=True)
        assert not ok and "refused the login for briefing" in message and variable in message
        assert wrong not in message

        monkeypatch.setenv(variable, secret)
        message, ok = send_command(settings, retry=True)
        assert ok and "sent" in message
        assert len(server.messages) == 1
    for row in outbox(settings):
        assert secret not in str(dict(row)) and wrong not in str(dict(row))
    for file in settings.state_dir.iterdir():
        assert secret.encode() not in file.read_bytes(), file
        assert wrong.encode() not in file.read_bytes(), file


def test_a_send_cut_off_mid_transfer_is_never_repeated_automatically(rendered, tmp_path,
                                                                     smtp_server):
    settings = make_settings(tmp_path, smtp_server.port, timeout_seconds=1)
    date = record(settings, rendered)
    # 1. The process died after marking the message 'sending' (its body was going out).
    with Store(settings.database_path) as store:
        message_id = queue_briefing(settings, store, rendered)
        accepted = store.start_attempt(message_id)
        assert accepted == RECIPIENTS
        store.mark_sending(message_id, accepted)
    message, ok = send_command(settings, retry=True)
    assert "may already have been delivered" in message and f"message {message_id}" in message
    assert [r["status"] for r in outbox(settings)] == ["unknown"]

    # 2. The server took the body but its answer never came (the client timed out).
    smtp_server.handler.data_delay = 3
    with Store(settings.database_path) as store:
        outcome = send_briefing_dir(settings, store, rendered)
    assert "in doubt" in outcome and "did not answer within 1 s" in outcome
    assert [r["status"] for r in outbox(settings)] == ["unknown", "unknown"]
    smtp_server.handler.data_delay = 0
    send_command(settings, retry=True)
    assert smtp_server.messages == []  # neither was sent again behind the reader's back

    # A person who checked the inbox sends it again on purpose.
    message, ok = send_command(settings, edition=date)
    assert ok and len(smtp_server.messages) == 1


def test_send_command_names_bad_dates_and_missing_briefings(tmp_path):
    settings = make_settings(tmp_path, free_port())
    assert send_command(settings, edition="yesterday") == (
        "briefing: error: EDITION: expected YYYY-MM-DD or YYYY-MM-DD-N, got 'yesterday'",
        False)
    message, ok = send_command(settings, edition="2001-01-01")
    assert not ok and "no briefing for 2001-01-01" in message
    message, ok = send_command(settings)
    assert not ok and "no briefing yet" in message


# --- TLS ------------------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    return self_signed_certificate(tmp_path, "IP:127.0.0.1")


def test_starttls_and_ssl_verify_the_server_certificate(rendered, tmp_path, certificate,
                                                        monkeypatch):
    import ssl

    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    with SMTPServer(tls_context=server_tls, require_starttls=True) as server:
        settings = make_settings(tmp_path, server.port, security="starttls")
        with Store(settings.database_path) as store:
            outcome = send_briefing_dir(settings, store, rendered)
        assert "TLS failed" in outcome and "certificate verify failed" in outcome
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now the client trusts it
        message, ok = send_command(settings, retry=True)
        assert ok, message
        assert len(server.messages) == 1

    with SMTPServer(ssl_context=server_tls) as server:
        folder = tmp_path / "ssl"
        folder.mkdir()
        settings = make_settings(folder, server.port, security="ssl")
        with Store(settings.database_path) as store:
            outcome = send_briefing_dir(settings, store, rendered)
        assert "message 1 sent" in outcome, outcome
        assert len(server.messages) == 1


# --- the commands ---------------------------------------------------------------------------


def test_render_email_then_send_and_send_retry_from_the_command_line(project, smtp_server):
    config = write_config(project, email=email_config(smtp_server.port))
    seed = str(project / "seeds" / next(p.name for p in sorted(SEEDS.glob("004_*"))))
    code, out, err = run_cli("--config", str(config), "render", "--email", "--input", seed)
    assert code == 0, err
    assert "Email: message 1 sent" in out
    day = next(p for p in (project / "output").iterdir() if p.is_dir())
    assert next(smtp_server.messages[0].message.iter_attachments()).get_content() == \
        (day / "briefing.pdf").read_bytes()

    code, out, _ = run_cli("--config", str(config), "send", day.name)
    assert code == 0 and "message 2 sent" in out and str(day) in out
    code, out, _ = run_cli("--config", str(config), "send", "--retry")
    assert code == 0 and "nothing waiting" in out
    code, out, _ = run_cli("--config", str(config), "send", "1999-12-31")
    assert code == 1 and "no briefing for 1999-12-31" in out
    assert len(smtp_server.messages) == 2


def test_a_broken_text_template_override_is_named_not_a_traceback(rendered, tmp_path):
    (tmp_path / "mytemplates").mkdir()
    (tmp_path / "mytemplates" / "briefing.txt.j2").write_text("{{ title }\n", encoding="utf-8")
    settings = load_settings(write_config(tmp_path, email=email_config(25),
                                          templates_dir="mytemplates"))
    with pytest.raises(TemplateRenderError, match=r"briefing\.txt\.j2, line 1"):
        build_message(settings, rendered)


# --- each recipient's own state, against a server whose every reply is scripted ---------------


HAPPY_REPLIES = {"greeting": "220 ready", "mail": "250 OK", "data": "354 go ahead",
                 "end": "250 OK"}


def scripted_settings(folder: Path, server: ScriptedSMTP, **extra) -> Settings:
    return make_settings(folder, server.port, **extra)


def recipient_states(settings: Settings, message_id: int = 1) -> dict[str, str]:
    with Store(settings.database_path) as store:
        return {r["address"]: r["status"] for r in store.outbox_recipients(message_id)}


def test_a_recipient_deferred_with_452_is_retried_alone_with_the_same_bytes(rendered,
                                                                             tmp_path):
    reader, desk = RECIPIENTS
    with ScriptedSMTP() as server:
        server.rcpt = {desk: "452 4.2.2 mailbox full, try later"}
        settings = scripted_settings(tmp_path, server)
        date = record(settings, rendered)
        message, ok = send_command(settings, edition=date)
        assert not ok  # not everyone has it yet
        assert f"sent (to {reader})" in message
        assert f"not sent to {desk}: 452 4.2.2 mailbox full, try later; it waits in the " \
            "outbox" in message
        assert recipient_states(settings) == {reader: "sent", desk: "pending"}
        [row] = outbox(settings)
        assert row["status"] == "pending" and desk in row["last_error"]

        # `send --retry` knows the desk still waits, and sends to the desk only.
        server.rcpt = {}
        message, ok = send_command(settings, retry=True)
        assert ok and f"message 1 sent (to {desk})" in message, message
        assert recipient_states(settings) == {reader: "sent", desk: "sent"}
        assert send_command(settings, retry=True) == ("Outbox: nothing waiting.", True)

    first, second = server.delivered
    assert (first.recipients, second.recipients) == ([reader], [desk])
    assert first.data == second.data  # the same bytes, Message-ID included
    assert first.message["Message-ID"] == second.message["Message-ID"]
    [done] = outbox(settings)
    assert done["status"] == "sent" and done["sent_at"] and done["attempts"] == 2


@pytest.mark.parametrize("stage", ["greeting", "mail", "data", "end"])
def test_a_5xx_at_any_stage_is_failed_and_not_retried_by_the_daemon(rendered, tmp_path,
                                                                    stage):
    with ScriptedSMTP() as server:
        setattr(server, stage, "554 5.7.1 rejected by policy")
        settings = scripted_settings(tmp_path, server)
        date = record(settings, rendered)
        code, out, err = run_cli("--config", str(settings.config_path), "send", date)
        assert code == 1 and err == "", err
        assert "message 1 refused by the server: " in out and "554 5.7.1 rejected by " \
            "policy" in out and "`briefing send --retry` tries again" in out
        assert recipient_states(settings) == dict.fromkeys(RECIPIENTS, "failed")
        assert [r["status"] for r in outbox(settings)] == ["failed"]

        # The daemon's passes leave it alone, however late it gets.
        with use_clock(FakeClock(datetime.now(UTC) + timedelta(days=1))), \
                Store(settings.database_path) as store:
            assert send_queued(settings, store) == []
        assert server.sessions == 1

        # Fixed on the server's side: a retry asked for by hand delivers it, once.
        setattr(server, stage, HAPPY_REPLIES[stage])
        message, ok = send_command(settings, retry=True)
        assert ok, message
    [delivered] = server.delivered
    assert delivered.recipients == RECIPIENTS


def test_a_recipient_refused_with_550_fails_alone_and_the_other_is_sent(rendered, tmp_path):
    reader, desk = RECIPIENTS
    with ScriptedSMTP() as server:
        server.rcpt = {desk: "550 5.1.1 no such user"}
        settings = scripted_settings(tmp_path, server)
        with Store(settings.database_path) as store:
            outcome = send_briefing_dir(settings, store, rendered)
            assert f"sent (to {reader})" in outcome
            assert f"refused by the server for {desk}: 550 5.1.1 no such user" in outcome
            assert send_queued(settings, store, due_only=False) == []  # failed: not retried
        assert recipient_states(settings) == {reader: "sent", desk: "failed"}
        server.rcpt = {}
        message, ok = send_command(settings, retry=True)
        assert ok and f"message 1 sent (to {desk})" in message
    assert [t.recipients for t in server.delivered] == [[reader], [desk]]


def test_a_connection_dropped_after_the_data_is_in_doubt_and_never_repeated(rendered,
                                                                            tmp_path):
    reader, desk = RECIPIENTS
    with ScriptedSMTP() as server:
        server.rcpt = {desk: "451 4.3.0 try again later"}
        server.end = None  # takes the body, then closes without answering
        settings = scripted_settings(tmp_path, server)
        date = record(settings, rendered)
        message, ok = send_command(settings, edition=date)
        assert not ok
        assert f"in doubt to {reader}: 127.0.0.1:{server.port} closed the connection" in message
        assert f"not sent to {desk}: 451 4.3.0 try again later" in message
        assert recipient_states(settings) == {reader: "unknown", desk: "pending"}

        # The retry sends the desk its copy and names the reader's as in doubt; never resent.
        server.rcpt, server.end = {}, "250 OK"
        message, ok = send_command(settings, retry=True)
        assert f"message 1 sent (to {desk})" in message
        assert (f"message 1 ({rendered}) may already have been delivered to {reader}"
                in message)
        message, ok = send_command(settings, retry=True)
        assert f"may already have been delivered to {reader}" in message
        assert "sent" not in message
    assert [(t.recipients, t.answer) for t in server.transactions] == [
        ([reader], None), ([desk], "250 OK")]
    assert recipient_states(settings) == {reader: "unknown", desk: "sent"}


def test_resend_unknown_sends_a_recipient_in_doubt_again_with_the_same_message_id(rendered,
                                                                                  tmp_path):
    """email.resend_unknown: 1 trades at-most-once for at-least-once, once: a recipient in
    doubt gets the same bytes (the same Message-ID) again at the next try; in doubt a
    second time, it stays unknown and is not sent again."""
    import email

    reader, desk = RECIPIENTS
    with ScriptedSMTP() as server:
        server.end = None  # takes the body, then closes without answering
        settings = scripted_settings(tmp_path, server, to=[reader], resend_unknown=1)
        date = record(settings, rendered)
        message, ok = send_command(settings, edition=date)
        assert not ok
        assert f"in doubt: 127.0.0.1:{server.port} closed the connection" in message
        assert "sent again with the same Message-ID (resend 1 of 1" in message
        assert recipient_states(settings) == {reader: "pending"}
        message, ok = send_command(settings, retry=True)  # in doubt again: that was the last
        assert f"may already have been delivered to {reader}" in message
        assert recipient_states(settings) == {reader: "unknown"}
        send_command(settings, retry=True)
        server.end = "250 OK"
        folder = tmp_path / "second"
        folder.mkdir()
        settings = scripted_settings(folder, server, to=[reader], resend_unknown=1)
        date = record(settings, rendered)
        server.end = None
        send_command(settings, edition=date)
        server.end = "250 OK"
        message, ok = send_command(settings, retry=True)  # the resend goes through
        assert ok and f"message 1 sent (to {reader})" in message
    copies = [t for t in server.transactions]
    assert [(t.recipients, t.answer) for t in copies] == [
        ([reader], None), ([reader], None), ([reader], None), ([reader], "250 OK")]
    ids = [email.message_from_bytes(t.data)["Message-ID"] for t in copies]
    assert ids[0] == ids[1] and ids[2] == ids[3]


def test_4xx_answers_keep_the_message_waiting_for_the_next_try(rendered, tmp_path):
    for stage in ("greeting", "mail", "data", "end"):
        folder = tmp_path / stage
        folder.mkdir()
        with ScriptedSMTP() as server:
            setattr(server, stage, "451 4.3.0 local problem, try later")
            settings = scripted_settings(folder, server)
            with Store(settings.database_path) as store:
                [attempt] = send_queued(settings, store,
                                        [queue_briefing(settings, store, rendered)])
            assert attempt.status == "pending", (stage, attempt)
            assert "451 4.3.0 local problem, try later" in attempt.describe()
            assert recipient_states(settings) == dict.fromkeys(RECIPIENTS, "pending")


def test_outbox_rows_of_schema_1_migrate_to_per_recipient_states(rendered, tmp_path,
                                                                 smtp_server):
    import sqlite3

    from briefing.store.schema import MIGRATIONS, _statements

    settings = make_settings(tmp_path, smtp_server.port)
    built = build_message(settings, rendered)
    settings.state_dir.mkdir()
    db = sqlite3.connect(settings.database_path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        db.execute(statement)
    db.execute("PRAGMA user_version=1")
    for status in ("sent", "pending", "failed"):
        db.execute("INSERT INTO outbox (briefing_dir, recipients, subject, message, status, "
                   "attempts, next_attempt_at, created_at) VALUES (?,?,?,?,?,1,?,?)",
                   (str(rendered), "\n".join(RECIPIENTS), built.subject, built.data, status,
                    "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00"))
    db.close()

    with Store(settings.database_path) as store:
        states = [(r["message_id"], r["address"], r["status"], r["attempts"])
                  for r in store.outbox_recipients()]
        assert states == [(1, RECIPIENTS[0], "sent", 1), (1, RECIPIENTS[1], "sent", 1),
                          (2, RECIPIENTS[0], "pending", 1), (2, RECIPIENTS[1], "pending", 1),
                          (3, RECIPIENTS[0], "failed", 1), (3, RECIPIENTS[1], "failed", 1)]
        [attempt] = send_queued(settings, store)  # the pending one; sent stays sent
        assert attempt.message_id == 2 and attempt.status == "sent"
    assert [r["status"] for r in outbox(settings)] == ["sent", "sent", "failed"]
    [got] = smtp_server.messages
    assert got.recipients == RECIPIENTS and got.data.replace(b"\r\n", b"\n") == \
        built.data.replace(b"\r\n", b"\n")


# --- one line, not a traceback ---------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "named"), [
    ({"title": "Morning\r\nBcc: victim@example.org"}, "title: "),
    ({"email": {**email_config(25), "to": ["reader@example.org",
                                           "desk@example.org\nBcc: victim@example.org"]}},
     "email.to[1]: "),
    ({"email": {**email_config(25), "from": "briefing@example.org\r\nBcc: v@example.org"}},
     "email.from: "),
])
def test_line_breaks_in_headers_are_one_line_with_status_2_and_nothing_queued(
        rendered, tmp_path, overrides, named):
    good = make_settings(tmp_path, 25)
    date = record(good, rendered)
    before = (good.database_path.read_bytes(), sorted(p.name for p in rendered.iterdir()))
    config = write_config(tmp_path, **{"email": email_config(25), **overrides})
    for command in (["check"], ["send", date], ["send", "--retry"]):
        code, out, err = run_cli("--config", str(config), *command)
        assert code == 2 and out == "", (command, out)
        assert err.startswith(f"briefing: error: {named}") and err.count("\n") == 1, err
        assert "line break" in err and "Traceback" not in err
    assert outbox(good) == []
    assert (good.database_path.read_bytes(), sorted(p.name for p in rendered.iterdir())) == \
        before


def test_a_line_break_in_a_briefing_json_title_stays_out_of_the_headers(rendered, tmp_path):
    path = rendered / "briefing.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["title"] = "Morning\r\nBcc: victim@example.org"
    path.write_text(json.dumps(data), encoding="utf-8")
    built = build_message(make_settings(tmp_path, 25), rendered)
    msg = message_from_bytes(built.data, policy=policy.default)
    assert msg["Bcc"] is None
    assert msg["From"].addresses[0].display_name == "Morning Bcc: victim@example.org"


def test_a_hostile_template_override_cannot_reach_python(rendered, tmp_path):
    mine = tmp_path / "mytemplates"
    mine.mkdir()
    settings = load_settings(write_config(tmp_path, email=email_config(25),
                                          templates_dir="mytemplates"))
    for body in ("{{ ''.__class__.__mro__ }}",
                 "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
                 "{{ settings.state_dir.joinpath('owned').write_text('x') }}"):
        (mine / "briefing.txt.j2").write_text(body + "\n", encoding="utf-8")
        with pytest.raises(TemplateRenderError,
                           match=rf"^template {re.escape(str(mine))}/briefing\.txt\.j2, line 1: "
                                 r"access to attribute '\w+' of '\w+' object is unsafe\.$"):
            build_message(settings, rendered)
    assert not (settings.state_dir / "owned").exists()


def test_a_password_smtp_cannot_send_is_one_line_not_a_traceback(rendered, tmp_path,
                                                                  monkeypatch):
    variable = "BRIEFING_TEST_SMTP_PASSWORD"
    monkeypatch.setenv(variable, "pässwörd")  # smtplib encodes the login as ASCII
    with ScriptedSMTP() as server:
        settings = make_settings(tmp_path, server.port, username="briefing",
                                 password_env=variable)
        date = record(settings, rendered)
        code, out, err = run_cli("--config", str(settings.config_path), "send", date)
        assert code == 1 and err == ""
        assert f"the password in {variable} has characters outside ASCII" in out
        assert "pässwörd" not in out
        assert server.sessions == 0  # found before connecting
    assert recipient_states(settings) == dict.fromkeys(RECIPIENTS, "pending")
