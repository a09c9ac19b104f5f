"""What a new user hits in the first hour (issue 29), each run through the CLI as a user runs
it, against a real feed server and a real SMTP sink on 127.0.0.1: previews that record
nothing, editions by name, progress, articles left out by name, readiness checks, and the
exit status of a delivery that failed."""

from __future__ import annotations

import html
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import yaml
from conftest import REPO, run_cli
from fixtures_http import Response, http_server_fixture  # noqa: F401  (http_server)
from fixtures_smtp import free_port, smtp_server_fixture  # noqa: F401  (smtp_server)

# A tech-and-climate beat written for these tests: (guid, title, body, hours ago).
STORIES = [
    ("ev-sales", "Electric cars outsell petrol cars in Europe",
     "Battery electric cars outsold petrol cars in the European Union for the first time in "
     "November, an industry group said on Monday. Registrations of electric cars rose 31% to "
     "152,000 while petrol cars fell to 148,000. The group said cheaper models from several "
     "makers drove the rise.", 2),
    ("eu-climate", "EU ministers agree 2040 climate target",
     "European Union environment ministers agreed on Monday to cut emissions by 90% by 2040 "
     "compared with 1990. The deal lets countries count some carbon credits bought abroad "
     "toward the goal. Ministers met in Brussels for more than twelve hours before the "
     "agreement.", 3),
    ("launch", "Rocket carries weather satellite to orbit",
     "A rocket carried a new weather satellite into orbit from French Guiana on Monday "
     "night. The satellite will measure sea temperatures and storms over the Atlantic. "
     "Engineers expect the first images within three weeks.", 4),
    ("chips", "Chipmaker opens plant in Dresden",
     "A chipmaker opened a plant in Dresden on Monday that will employ 2,000 people. The "
     "factory will make chips for cars and industrial machines. The regional government "
     "paid a fifth of its cost.", 5),
]
OLD = ("archive", "Council approves bike lanes last month",
       "The city council approved new bike lanes on the river road. Work starts in the "
       "spring and ends next autumn.", 24 * 40)


def rss(stories, feed_title: str = "Climate Desk") -> bytes:
    now = datetime.now(UTC)
    items = "".join(
        f"<item><title>{html.escape(title)}</title><guid isPermaLink=\"false\">{guid}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(hours=hours), usegmt=True)}</pubDate>"
        f"<description>{html.escape(body)}</description></item>"
        for guid, title, body, hours in stories)
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
            f"<title>{feed_title}</title><link>https://desk.example/</link><description>x"
            f"</description>{items}</channel></rss>").encode()


def serve(http_server, stories, path: str = "/feed") -> None:
    http_server.routes[path] = Response(200, {"Content-Type": "application/rss+xml"},
                                        rss(stories))


def beat_project(tmp_path: Path, http_server, stories=STORIES, *, smtp_port: int | None = None,
                 **extra) -> Path:
    """A user's own project: one feed on the local server, email to a local SMTP sink."""
    serve(http_server, stories)
    data = {"title": "Tech and Climate", "timezone": "UTC",
            "sources": [{"feed": http_server.url("/feed")}],
            "themes": [{"id": "climate", "title": "Climate", "description": "Emissions, "
                        "climate targets, electric cars and energy."},
                       {"id": "tech", "title": "Technology", "description": "Chips, "
                        "rockets, satellites and software."}],
            **extra}
    if smtp_port is not None:
        data["email"] = {"enabled": True, "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
                         "security": "none", "from": "Briefing <briefing@desk.example>",
                         "to": ["desk@desk.example"], "timeout_seconds": 5}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return config


def cli(config: Path, *args: str) -> tuple[int, str, str]:
    return run_cli("--config", str(config), *args)


def database_dump(config: Path) -> list[str]:
    """Every row of the state database, as SQL (read-only: looking changes nothing)."""
    path = config.parent / "state" / "briefing.sqlite3"
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
        return list(db.iterdump())


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# --- 2. a preview records nothing ------------------------------------------------------------

def test_a_preview_leaves_the_database_the_archive_and_the_next_briefing_as_they_were(
        tmp_path, http_server):
    config = beat_project(tmp_path, http_server, STORIES[:2])
    code, out, err = cli(config, "render", "--format", "json,html")
    assert code == 0, err
    output = tmp_path / "output"
    serve(http_server, STORIES)  # two more stories arrive
    before, archive = database_dump(config), tree(output)

    for flags in (["--preview"], ["--dry-run", "--all"], ["--explain"]):
        code, out, err = cli(config, "render", "--format", "json", *flags)
        assert code == 0, err
        assert out.startswith("Preview (nothing recorded): Briefing of"), out
        assert database_dump(config) == before, flags
        assert {k: v for k, v in tree(output).items()
                if not k.startswith("preview/")} == archive, flags
    previews = sorted((output / "preview").glob("*/briefing.json"))
    assert previews and (previews[-1].parent / "themes.md").is_file()  # --explain's table
    preview = json.loads(previews[0].read_text(encoding="utf-8"))

    # The next real briefing covers exactly what the first preview showed, and its stories
    # are new: no preview counted as a briefing that reported them.
    code, out, err = cli(config, "render", "--format", "json")
    assert code == 0, err
    second = json.loads(next(output.glob("*-2/briefing.json")).read_text(encoding="utf-8"))
    texts = [i["text"] for s in second["sections"] for i in s["items"]]
    assert texts == [i["text"] for s in preview["sections"] for i in s["items"]]
    assert all(i.get("new") is True for s in second["sections"] for i in s["items"])
    assert sorted(p.name for p in output.iterdir() if p.is_dir()) == sorted(
        [second["date"], f"{second['date']}-2", "preview"])


def test_a_preview_cannot_be_emailed(tmp_path, http_server):
    config = beat_project(tmp_path, http_server)
    code, _, err = cli(config, "render", "--preview", "--email")
    assert code == 2 and "--email: a preview is not sent" in err
    assert not (tmp_path / "state").exists() and not (tmp_path / "output").exists()


# --- 3. editions by name ---------------------------------------------------------------------

def test_editions_are_listed_sent_by_name_and_shown_with_their_state(tmp_path, http_server,
                                                                      smtp_server):
    config = beat_project(tmp_path, http_server, STORIES[:2], smtp_port=smtp_server.port)
    assert cli(config, "list") == (0, "No briefings yet.\n", "")
    assert cli(config, "render")[0] == 0
    serve(http_server, STORIES)
    assert cli(config, "render")[0] == 0
    day = json.loads(next((tmp_path / "output").glob("*-2/briefing.json")).read_text())["date"]

    code, out, err = cli(config, "send", day)  # a bare date: that day's latest edition
    assert code == 0, out + err
    assert f"Email of {day}-2 (" in out
    assert smtp_server.messages[-1].message["Subject"].endswith(day)
    code, out, err = cli(config, "send", f"{day}-3")
    assert code == 1 and f"no briefing called {day}-3" in out
    code, out, err = cli(config, "send", f"{day}-1")  # the day's first, by its name
    assert code == 0 and f"Email of {day}-1 (" in out and len(smtp_server.messages) == 2
    code, out, err = cli(config, "send", f"{day}-2")
    assert code == 0 and len(smtp_server.messages) == 3

    code, out, err = cli(config, "list")
    assert code == 0, err
    header, second, first = out.splitlines()
    assert header.split()[:5] == ["edition", "made", "items", "articles", "emailed"]
    assert second.startswith(f"{day}-2 ") and "desk@desk.example" in second
    assert first.startswith(f"{day}-1 ") and first.split()[5:7] == ["2", "desk@desk.example"]

    index = (tmp_path / "output" / "index.html").read_text(encoding="utf-8")
    assert index.count("emailed to desk@desk.example") == 2, index
    assert f"Edition {day}-2 · made" in index and f"Edition {day}-1 · made" in index

    for bad in ("yesterday", "2026-12-07-x", "7-12-2026"):
        code, _, err = cli(config, "send", bad)
        assert code == 2 and "EDITION: expected YYYY-MM-DD or YYYY-MM-DD-N" in err, bad


# --- 4. progress on a terminal, times under --verbose, stamped daemon lines ------------------

def briefing_process(config: Path, *args: str, stderr, env: dict | None = None
                     ) -> subprocess.Popen:
    environment = dict(os.environ, BRIEFING_THREADS="1", HF_HUB_OFFLINE="1",
                       PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "briefing", "--config", str(config), *args],
                            cwd=config.parent, stdout=subprocess.PIPE, stderr=stderr,
                            env=environment)


def piped_cli(config: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI in its own process, its output piped (its log lines are its own, too)."""
    return subprocess.run(
        [sys.executable, "-m", "briefing", "--config", str(config), *args], cwd=config.parent,
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, BRIEFING_THREADS="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO)))


def on_a_terminal(config: Path, *args: str) -> tuple[int, str]:
    """Run the CLI with its stderr on a pseudo-terminal, as in a shell; return what the
    terminal showed."""
    import pty

    master, slave = pty.openpty()
    proc = briefing_process(config, *args, stderr=slave)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    proc.communicate(timeout=300)
    return proc.returncode, shown.decode("utf-8", "replace")


def test_progress_per_stage_on_a_terminal_and_none_when_piped(tmp_path, http_server):
    config = beat_project(tmp_path, http_server)
    code, shown = on_a_terminal(config, "render", "--preview", "--format", "json")
    assert code == 0, shown
    for stage in ("reading", "analysing", "composing", "rendering"):
        assert stage in shown, shown
    assert re.search(r"analysing\s.*\d+/\d+ sentences", shown), shown
    assert "1/1 sources" in shown

    piped = piped_cli(config, "--verbose", "render", "--preview", "--format", "json")
    assert piped.returncode == 0, piped.stderr
    assert "sentences" not in piped.stderr and "\r" not in piped.stderr
    # --verbose: each stage with its time.
    for stage in ("reading", "analysing", "composing", "extras", "rendering"):
        assert re.search(rf"INFO briefing: stage {stage}: \d+\.\d\d s", piped.stderr), stage


def test_the_daemons_lines_carry_their_time_unless_journald_takes_them(tmp_path, http_server):
    config = beat_project(tmp_path, http_server)
    log = tmp_path / "daemon.log"
    with log.open("wb") as handle:
        briefing_process(config, "run", "--once", stderr=handle).communicate(timeout=300)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) "
                                  r"briefing", line) for line in lines), lines

    journal = tmp_path / "journal.log"
    with journal.open("wb") as handle:
        stat = os.fstat(handle.fileno())  # what systemd puts in JOURNAL_STREAM for the journal
        briefing_process(config, "run", "--once", stderr=handle, env={
            "JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"}).communicate(timeout=300)
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert lines and all(line.startswith(("INFO briefing", "WARNING briefing"))
                         for line in lines), lines


# --- 5. what was left out, by name ------------------------------------------------------------

def test_articles_left_out_as_old_are_named_under_verbose_and_in_sources(tmp_path,
                                                                          http_server):
    config = beat_project(tmp_path, http_server, [*STORIES[:2], OLD])
    done = piped_cli(config, "--verbose", "render", "--format", "json")
    code, out, err = done.returncode, done.stdout, done.stderr
    assert code == 0, err
    assert "1 article(s) older than the 36-hour window left out (`briefing sources` names " \
        "them)" in out
    [named] = [line for line in err.splitlines() if "left out 'Council approves" in line]
    assert "(Climate Desk; " in named and re.search(r"published \d{4}-\d\d-\d\d \d\d:\d\d UTC",
                                                    named), named
    assert named.endswith("older than the 36-hour window (window_hours)")

    code, out, err = cli(config, "sources")
    assert code == 0, err
    block = out.split("Left out of briefings as old (1 article(s) no briefing covered):\n")[1]
    assert block.startswith("  - 'Council approves bike lanes last month' (Climate Desk; ")
    assert "Electric cars" not in block  # briefed articles are not listed


# --- 6. readiness: secrets, --connect, run --once's status -----------------------------------

def test_check_reports_a_password_env_that_is_not_set(tmp_path, http_server, monkeypatch):
    config = beat_project(tmp_path, http_server, smtp_port=free_port())
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["email"].update(security="starttls", username="desk",
                         password_env="BRIEFING_TEST_UNSET_PASSWORD")
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.delenv("BRIEFING_TEST_UNSET_PASSWORD", raising=False)
    code, out, err = cli(config, "check")
    assert code == 1, out + err
    assert "FAIL  email.password_env: the environment variable BRIEFING_TEST_UNSET_PASSWORD " \
        "is not set" in out and "not ready: 1 problem(s) above" in err
    monkeypatch.setenv("BRIEFING_TEST_UNSET_PASSWORD", "secret")
    code, out, err = cli(config, "check")
    assert code == 0 and "FAIL" not in out, out + err


def test_check_connect_tries_each_source_and_the_smtp_server_without_sending(
        tmp_path, http_server, smtp_server):
    config = beat_project(tmp_path, http_server, smtp_port=smtp_server.port)
    code, out, err = cli(config, "check", "--connect")
    assert code == 0, out + err
    assert f"ok    feed: {http_server.url('/feed')}: HTTP 200, a feed of 4 entries" in out
    assert f"ok    email (127.0.0.1:{smtp_server.port}, none): connected; nothing sent" in out
    assert smtp_server.messages == [] and not (tmp_path / "state").exists()

    # A feed gone (404) and an SMTP port nothing listens on: each named, and the exit is 1.
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["sources"].append({"feed": http_server.url("/gone.xml")})
    data["email"]["smtp_port"] = dead = free_port()
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out, err = cli(config, "check", "--connect")
    assert code == 1 and "not ready: 2 problem(s) above" in err
    assert f"FAIL  feed: {http_server.url('/gone.xml')}: the server answered HTTP 404" in out
    assert f"FAIL  email (127.0.0.1:{dead}, none): 127.0.0.1:{dead}: Connection refused" in out
    assert f"ok    feed: {http_server.url('/feed')}" in out


def test_run_once_exits_3_when_the_email_could_not_be_delivered(tmp_path, http_server,
                                                                  smtp_server):
    config = beat_project(tmp_path, http_server, STORIES[:2], smtp_port=free_port())
    done = piped_cli(config, "run", "--once")
    assert done.returncode == 3, done.stderr
    assert "waits in the outbox" in done.stderr
    assert list((tmp_path / "output").glob("*/briefing.pdf"))  # the briefing was made

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["email"]["smtp_port"] = smtp_server.port
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    serve(http_server, STORIES)
    done = piped_cli(config, "run", "--once")  # a new briefing, delivered
    assert done.returncode == 0, done.stderr
    assert len(smtp_server.messages) == 1
    code, out, err = cli(config, "send", "--retry")  # the first one, from the outbox
    assert code == 0 and len(smtp_server.messages) == 2, out + err


# --- 7. what a reader notices ------------------------------------------------------------------

def test_an_aggregators_entries_keep_their_outlets_and_headlines_lose_the_site_name(
        tmp_path, http_server):
    now = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    _, title, body, _ = STORIES[2]
    feed = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
            "<title>News Aggregator</title><link>https://agg.example/</link><description>x"
            "</description><item><title>" + html.escape(title) + " - SpaceNews.com</title>"
            "<guid isPermaLink=\"false\">launch</guid><pubDate>" + now + "</pubDate>"
            "<source url=\"https://spacenews.example/rss\">SpaceNews</source>"
            "<description>" + html.escape(body) + "</description></item></channel></rss>")
    config = beat_project(tmp_path, http_server)
    http_server.routes["/feed"] = Response(200, {"Content-Type": "application/rss+xml"},
                                           feed.encode())
    code, out, err = cli(config, "render", "--format", "json,md")
    assert code == 0, err
    data = json.loads(next((tmp_path / "output").glob("*/briefing.json")).read_text())
    [article] = data["articles"]
    assert article["source"] == "SpaceNews" and article["title"] == title
    md = next((tmp_path / "output").glob("*/briefing.md")).read_text(encoding="utf-8")
    assert "SpaceNews.com" not in md and "News Aggregator" not in md
    assert re.search(r"\d+ (story|stories) from 1 article ·", md), md


def test_section_headers_count_stories_not_bullets(tmp_path, http_server):
    config = beat_project(tmp_path, http_server)
    code, out, err = cli(config, "render", "--format", "json,html")
    assert code == 0, err
    folder = next((tmp_path / "output").glob("*/briefing.json")).parent
    data = json.loads((folder / "briefing.json").read_text(encoding="utf-8"))
    page = (folder / "briefing.html").read_text(encoding="utf-8")
    for section in data["sections"]:
        n = len(section["items"])
        assert f'<span class="count">{n} {"story" if n == 1 else "stories"}</span>' in page
    assert " item<" not in page and " items<" not in page
