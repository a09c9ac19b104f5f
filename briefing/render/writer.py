"""All formats of one briefing written into its folder, JSON included; and the folders.

A briefing folder is published in steps that a crash can stop anywhere (``Pipeline``'s
docstring says what it records between them):

1. ``claim_folder``: the folder's name, ``OUT/<date>`` or ``<date>-2`` …, taken with an
   exclusive ``mkdir`` (two processes never get the same one), with a hidden partial folder
   beside it (``.<name>.<owner>.partial``) that holds the files while they are written;
2. ``write_files`` into the partial folder, each file flushed to disk;
3. ``reveal``: one ``rename`` of the partial folder over the (still empty) claimed one.

The archive lists only folders with briefing files in them, so it never shows a claimed
or partial folder. ``<owner>`` names the state database, so a run only ever cleans up its
own leftovers, not those of another state_dir writing to the same output folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from briefing.config import Settings
from briefing.errors import BriefingError
from briefing.records import Briefing

FORMATS = ("md", "html", "pdf", "json")
# A briefing folder's name, ``<date>`` or ``<date>-N`` (``claim_folder``), and so an edition's
# (``briefing.editions``): the one pattern of both.
EDITION_NAME = r"\d{4}-\d{2}-\d{2}(?:-\d+)?"
PARTIAL_SUFFIX = ".partial"
_PARTIAL = re.compile(rf"^\.(?P<name>{EDITION_NAME})\.(?P<owner>[0-9a-f]{{12}})"
                      + re.escape(PARTIAL_SUFFIX) + "$")


class OutputError(BriefingError):
    """The output folder cannot be written (the message names it and says what to do)."""


@dataclass(frozen=True)
class Claim:
    """A briefing folder claimed by one run: its final name and the partial folder."""

    folder: Path
    partial: Path


def render_json(briefing: Briefing) -> str:
    return json.dumps(briefing.to_json(), ensure_ascii=False, indent=2) + "\n"


def render_files(briefing: Briefing, settings: Settings,
                 formats: tuple[str, ...] = FORMATS) -> dict[str, str | bytes]:
    """Every chosen format in memory, {format: text or bytes}, in FORMATS order: all of it is
    rendered before anything is written, so a broken template leaves no folder behind."""
    # Imported here: the templates and WeasyPrint load only when there is a briefing to write.
    from briefing.render.html import render_html
    from briefing.render.markdown import render_markdown
    from briefing.render.pdf import render_pdf

    makers = {"md": lambda: render_markdown(briefing, settings),
              "html": lambda: render_html(briefing, settings),
              "pdf": lambda: render_pdf(briefing, settings),
              "json": lambda: render_json(briefing)}
    return {fmt: makers[fmt]() for fmt in FORMATS if fmt in formats}


def write_files(files: dict[str, str | bytes], folder: Path) -> dict[str, Path]:
    """Write ``briefing.<format>`` files into ``folder`` (which exists); return their paths.

    Each file is flushed to disk (``fsync``) before the briefing is recorded, so a power cut
    after recording cannot leave a recorded briefing with empty files.
    """
    written: dict[str, Path] = {}
    for fmt, data in files.items():
        path = folder / f"briefing.{fmt}"
        with path.open("wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        written[fmt] = path
    return written


def write_briefing(briefing: Briefing, settings: Settings, out_dir: Path,
                   formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Write the chosen formats straight into ``out_dir``; return {format: path}. (A render
    publishes through ``claim_folder`` and ``reveal`` instead; this is for tools and tests
    that want the files only.)"""
    from briefing.atomic import write_atomic

    files = render_files(briefing, settings, formats)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {fmt: write_atomic(out_dir / f"briefing.{fmt}", data) for fmt, data in files.items()}


def owner_tag(database: Path) -> str:
    """A short, stable tag of the state database that marks its runs' partial folders."""
    return hashlib.sha256(str(database).encode("utf-8")).hexdigest()[:12]


def check_output_root(root: Path) -> None:
    """Raise OutputError unless ``root`` is (or can be made) a folder this run can write."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"output folder {root} is a file, not a folder; move the file away "
                          "or set output_dir (or --out) to a folder") from None
    except OSError as exc:
        raise OutputError(f"output folder {root}: cannot create it ({exc.strerror or exc}); "
                          "set output_dir (or --out) to a folder that can be written"
                          ) from None
    # os.access also says no for a read-only file system, where even root cannot write.
    if not os.access(root, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {root} is read-only; make it writable or set "
                          "output_dir (or --out) to a writable folder")


def claim_folder(root: Path, date: str, owner: str) -> Claim:
    """Claim ``root/<date>`` (or ``<date>-2``, ``-3`` … if taken) and its partial folder."""
    n = 1
    while True:
        name = date if n == 1 else f"{date}-{n}"
        folder = root / name
        partial = root / f".{name}.{owner}{PARTIAL_SUFFIX}"
        n += 1
        if folder.exists():
            continue
        # The partial folder first: a crash between the two leaves only it, which the next
        # run of this state_dir removes; then the name itself, which mkdir gives to one only.
        try:
            partial.mkdir()
        except FileExistsError:
            continue
        try:
            folder.mkdir()
        except FileExistsError:
            partial.rmdir()
            continue
        except BaseException:
            partial.rmdir()
            raise
        return Claim(folder, partial)


def reveal(claim: Claim) -> None:
    """Put the written briefing in place: one rename of the partial folder over the empty
    claimed one (rename replaces an empty folder in one step; it refuses a non-empty one)."""
    os.replace(claim.partial, claim.folder)


def abandon(claim: Claim) -> None:
    """Remove a claim whose briefing was not recorded: its partial folder and, if still
    empty, the claimed name."""
    shutil.rmtree(claim.partial, ignore_errors=True)
    with contextlib.suppress(OSError):  # gone already, or not empty: then not ours to remove
        claim.folder.rmdir()


def leftover_claims(root: Path, owner: str) -> list[Claim]:
    """The partial folders of ``owner``'s runs under ``root`` (a crash left them)."""
    if not root.is_dir():
        return []
    claims = []
    for entry in root.iterdir():
        match = _PARTIAL.match(entry.name)
        if match and match.group("owner") == owner and entry.is_dir():
            claims.append(Claim(root / match.group("name"), entry))
    return sorted(claims, key=lambda c: c.folder.name)
