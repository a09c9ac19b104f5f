"""Issue 28, item 4: bidirectional controls and zero-width characters in real article files
never reach a reader: not the Markdown, the HTML, briefing.json, either part of the email, nor
its Subject (the email goes to a real SMTP server on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
from email.header import decode_header, make_header
from pathlib import Path

import regex
from conftest import SEEDS, run_cli, write_config
from fixtures_smtp import smtp_server_fixture  # noqa: F401
from test_deliver import email_config

from briefing.text.invisible import remove_format_characters

FORMAT = regex.compile(r"\p{Cf}")
HIDDEN = "\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u2060\ufeff\u00ad\u061c\u202a"


def _sprinkle(text: str) -> str:
    """Every sixth word gets one of the hidden characters, in turn, inside or beside it."""
    words = text.split(" ")
    for index in range(0, len(words), 6):
        mark = HIDDEN[(index // 6) % len(HIDDEN)]
        word = words[index]
        words[index] = word[:2] + mark + word[2:]
    return " ".join(words)


def test_remove_format_characters_keeps_the_visible_text():
    assert remove_format_characters("Kyiv\u200b \u202eweiv\u202c \u2066x\u2069") == \
        "Kyiv weiv x"
    assert remove_format_characters("plain text, “quotes” — and 7 %") == \
        "plain text, “quotes” — and 7 %"


def test_no_format_character_reaches_any_output_or_header(tmp_path: Path, smtp_server):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    for index, seed in enumerate(sorted(SEEDS.glob("*.txt"))[:3]):
        body = seed.read_text(encoding="utf-8")
        seed_copy = folder / seed.name
        seed_copy.unlink()
        (folder / f"{seed.stem}.json").write_text(json.dumps({
            "title": f"Talks\u202e in Geneva\u200b {index} \u2066end\u2069",
            "source": f"Wire\u200d Service {index}",
            "text": _sprinkle(body),
        }, ensure_ascii=False), encoding="utf-8")
    config = write_config(tmp_path, email=email_config(smtp_server.port))
    code, out, err = run_cli("--config", str(config), "render", "--email")
    assert code == 0, err
    assert "Email: message 1 sent" in out
    day = next(p for p in (tmp_path / "output").iterdir() if p.is_dir())

    for name in ("briefing.md", "briefing.html", "briefing.json"):
        text = (day / name).read_text(encoding="utf-8")
        assert not FORMAT.search(text), (name, FORMAT.findall(text)[:5])
    data = json.loads((day / "briefing.json").read_text(encoding="utf-8"))
    titles = [a["title"] for a in data["articles"]]
    assert any(t.startswith("Talks in Geneva") for t in titles), titles
    assert any(a["source"].startswith("Wire Service") for a in data["articles"])

    message = smtp_server.messages[0].message
    subject = str(make_header(decode_header(message["Subject"])))
    assert not FORMAT.search(subject) and not FORMAT.search(str(message["From"]))
    parts = {part.get_content_type(): part.get_content() for part in message.walk()
             if part.get_content_type() in ("text/plain", "text/html")}
    assert set(parts) == {"text/plain", "text/html"}
    for kind, content in parts.items():
        assert not FORMAT.search(content), (kind, FORMAT.findall(content)[:5])
    raw = smtp_server.messages[0].data.decode("utf-8", "replace")
    assert not FORMAT.search(raw.split("\n\n", 1)[0])  # the headers as sent


def test_a_title_in_a_hand_edited_briefing_json_loses_them_in_the_subject(tmp_path: Path,
                                                                         smtp_server):
    """briefing.json is a file a person may edit: the Subject is built without them too."""
    project = tmp_path
    shutil.copytree(SEEDS, project / "seeds")
    config = write_config(project, email=email_config(smtp_server.port))
    code, _, err = run_cli("--config", str(config), "render", "--format", "md,html,pdf,json")
    assert code == 0, err
    day = next(p for p in (project / "output").iterdir() if p.is_dir())
    path = day / "briefing.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["title"] = "Daily\u202e gnifeirB\u200b"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run_cli("--config", str(config), "send", day.name)
    assert code == 0, out
    message = smtp_server.messages[0].message
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith("Daily gnifeirB"), subject
