"""State and files under stress (issue 15): one writer per state_dir, crash-safe recording,
symlinks kept inside a source folder, and one clear line (never a traceback) for a damaged
database, a read-only state_dir, an output folder that cannot be written and a full disk.

Real processes where it matters: two `briefing render` at once, and `kill -9` at a chosen
step (``BRIEFING_TEST_CRASH_AT``, test-only). Real SQLite files damaged on purpose. A
read-only or full file system is a small tmpfs mounted for the test (root only; skipped with
the reason where the machine does not allow it). docs/reliability.md lists these tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS, run_cli, write_config

FORMATS = "md,html,json"  # the PDF adds seconds and nothing these tests look at


def _project(root: Path, seeds: int = 2, **overrides) -> Path:
    """root/in/ with the first ``seeds`` seeds, and root/config.yaml reading it."""
    (root / "in").mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("*.txt"))[:seeds]:
        shutil.copy(seed, root / "in" / seed.name)
    return write_config(root, sources=[{"path": "in/"}], **overrides)


def _add_seed(root: Path, index: int) -> None:
    seed = sorted(SEEDS.glob("*.txt"))[index]
    shutil.copy(seed, root / "in" / seed.name)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), BRIEFING_THREADS="1", HF_HUB_OFFLINE="1")
    env.update(extra)
    return env


def _spawn(config: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "briefing", "--config", str(config), *args],
                            cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env(**env))


def _run(config: Path, *args: str, **env: str) -> tuple[int, str, str]:
    proc = _spawn(config, *args, **env)
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def _db(root: Path) -> Path:
    return root / "state" / "briefing.sqlite3"


def _recorded(root: Path) -> tuple[list[tuple], list[tuple]]:
    """(briefings as (date, out_dir, articles), coverage as (briefing_id, article_id))."""
    db = sqlite3.connect(_db(root))
    try:
        briefings = db.execute("SELECT date, out_dir, articles FROM briefings ORDER BY id")
        coverage = db.execute("SELECT briefing_id, article_id FROM coverage ORDER BY 1, 2")
        return [tuple(r) for r in briefings], [tuple(r) for r in coverage]
    finally:
        db.close()


def _tree(folder: Path) -> dict[str, str]:
    """Every file under folder (hidden ones too) with its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefing: error: "), err
    for needle in needles:
        assert needle in lines[0], err


def _render(config: Path) -> str:
    code, out, err = run_cli("--config", str(config), "render", "--format", FORMATS)
    assert code == 0, err
    return out


# --- mounts for read-only and full file systems ---------------------------------------------


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``where`` for the block; skips the test if none can be mounted."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; not root here")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs CAP_SYS_ADMIN")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


# --- 1. two renders at once -----------------------------------------------------------------


def test_two_renders_at_once_cover_each_article_once(tmp_path: Path) -> None:
    """Issue 15.1: the second waits for the first, then finds nothing new; one folder."""
    config = _project(tmp_path)
    first = _spawn(config, "render", "--format", "json")
    second = _spawn(config, "render", "--format", "json")
    results = [(p.wait(timeout=600), *p.communicate()) for p in (first, second)]
    for code, _out, err in results:
        assert code == 0, err
    messages = sorted(out.splitlines()[0] for _code, out, _err in results)
    assert messages[0].startswith("Briefing of 2 article(s)"), messages
    assert messages[1].startswith("No new articles"), messages
    briefings, coverage = _recorded(tmp_path)
    assert len(briefings) == 1
    assert len(coverage) == len({a for _b, a in coverage}) == 2
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == [
        briefings[0][0], "feed.xml", "index.html"]


def test_second_writer_gives_up_naming_the_holder(tmp_path: Path, monkeypatch) -> None:
    """Past BRIEFING_LOCK_WAIT the second writer exits 1 with the holder's pid and command."""
    from briefing.pipeline import write_lock

    config = _project(tmp_path)
    monkeypatch.setenv("BRIEFING_LOCK_WAIT", "0.3")
    with write_lock(tmp_path / "state", "render"):
        code, _out, err = run_cli("--config", str(config), "render")
        _one_line_error(code, err, f"pid {os.getpid()}, briefing render", "state_dir")
        code, _out, err = run_cli("--config", str(config), "send")
        _one_line_error(code, err, f"pid {os.getpid()}")
    assert not (tmp_path / "output").exists()


def test_cli_render_beside_a_running_daemon(tmp_path: Path, monkeypatch) -> None:
    """The daemon's life lock (daemon.lock) does not stop a CLI render: that one waits only
    for the write lock, which the daemon holds for one job at a time."""
    from briefing.daemon.scheduler import daemon_lock
    from briefing.pipeline import write_lock

    config = _project(tmp_path, seeds=1)
    state = tmp_path / "state"
    monkeypatch.setenv("BRIEFING_LOCK_WAIT", "30")
    held, finished = threading.Event(), []

    def daemon_job() -> None:  # what a daemon job does: the write lock for the job only
        with write_lock(state, "run"):
            held.set()
            time.sleep(1.5)
            finished.append(time.time())

    with daemon_lock(state):
        job = threading.Thread(target=daemon_job)
        job.start()
        held.wait()
        assert "Briefing of 1 article(s)" in _render(config)  # waited, then rendered
        job.join()
    written = next((tmp_path / "output").glob("*/briefing.json")).stat().st_mtime
    assert finished and finished[0] <= written  # the render wrote only after the job ended


# --- 4. kill -9 while recording -------------------------------------------------------------


@pytest.mark.parametrize("step", ["written", "recorded", "revealed"])
def test_kill_9_leaves_nothing_or_the_whole_briefing(tmp_path: Path, step: str) -> None:
    """Issue 15.4: killed after the files are written (or after recording, or after the
    rename), the next render neither repeats the articles in <date>-2 nor loses them."""
    config = _project(tmp_path)
    code, _out, err = _run(config, "render", "--format", FORMATS, BRIEFING_TEST_CRASH_AT=step)
    assert code == -9, err
    briefings, _ = _recorded(tmp_path)
    assert len(briefings) == (0 if step == "written" else 1)
    out = tmp_path / "output"
    before = {p.name for p in out.iterdir()}
    # Whatever is visible is whole: a briefing folder holds all its files, or none (the
    # empty name claimed for it, which the archive does not list).
    for name in before:
        if not name.startswith(".") and (out / name).is_dir():
            assert len(_tree(out / name)) in (0, 3), name

    message = _render(config)
    briefings, coverage = _recorded(tmp_path)
    assert len(briefings) == 1 and len(coverage) == 2
    date, out_dir, _n = briefings[0]
    assert Path(out_dir) == out / date  # never <date>-2
    assert message.startswith("Briefing of 2" if step == "written" else "No new articles")
    assert sorted(p.name for p in out.iterdir()) == [date, "feed.xml", "index.html"]
    assert sorted(_tree(out / date)) == ["briefing.html", "briefing.json", "briefing.md"]
    assert f'href="{date}/briefing.html"' in (out / "index.html").read_text(encoding="utf-8")


# --- 7. symlinks ----------------------------------------------------------------------------


def test_symlinks_are_not_followed_out_of_a_source_folder(tmp_path: Path) -> None:
    """Issue 15.7: a link to /etc/passwd or to a file or folder outside is skipped with one
    problem each, never read or stored; a link that stays inside is read."""
    from briefing.config import load_settings
    from briefing.pipeline import Pipeline

    config = _project(tmp_path, seeds=1)
    outside = tmp_path / "private"
    outside.mkdir()
    secret = "The secret merger of the two banks was agreed on Monday night in Zurich."
    (outside / "secret.txt").write_text(f"Private note\n\n{secret}\n", encoding="utf-8")
    folder = tmp_path / "in"
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "note.txt").symlink_to(outside / "secret.txt")
    (folder / "private").symlink_to(outside, target_is_directory=True)
    inside = next(folder.glob("0*.txt"))
    (folder / "again.txt").symlink_to(inside.name)

    with Pipeline(load_settings(config)) as pipeline:
        result = pipeline.collect()
        texts = [a.text for a in pipeline.store.articles(uncovered_only=False)]
    skipped = {p.origin: p.reason for p in result.problems}
    assert set(skipped) == {"in/passwd.txt", "in/note.txt", "in/private"}
    assert all("outside the source folder: not followed" in r for r in skipped.values())
    assert len(texts) == 1 and secret not in texts[0] and "root:" not in texts[0]


# --- damaged databases ----------------------------------------------------------------------


def _damage_header(db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[:100] = os.urandom(100)
    db.write_bytes(bytes(data))


def _truncate(db: Path) -> None:
    with db.open("r+b") as handle:
        handle.truncate(db.stat().st_size // 2)


def _scramble_pages(db: Path) -> None:
    """Keep the 100-byte header, overwrite the schema page and every page after it."""
    data = bytearray(db.read_bytes())
    data[100:] = bytes((i * 37 + 11) % 256 for i in range(len(data) - 100))
    db.write_bytes(bytes(data))


@pytest.mark.parametrize(("damage", "said"), [
    (_damage_header, "damaged (file is not a database)"),
    (_truncate, "truncated"),
    (_scramble_pages, "damaged"),
])
def test_damaged_database_one_line_nothing_changed(tmp_path: Path, damage, said: str) -> None:
    config = _project(tmp_path, seeds=1)
    _render(config)
    _add_seed(tmp_path, 1)
    db = _db(tmp_path)
    assert not db.with_name(db.name + "-wal").exists()  # closed cleanly: all in the one file
    damage(db)
    state, output = _tree(tmp_path / "state"), _tree(tmp_path / "output")
    code, _out, err = _run(config, "render", "--format", FORMATS)
    _one_line_error(code, err, str(db), said, "move it aside")
    assert _tree(tmp_path / "state") == state
    assert _tree(tmp_path / "output") == output
    code, _out, err = _run(config, "sources")  # any command that opens it says the same
    _one_line_error(code, err, str(db), said)


# --- read-only state_dir, output folder that cannot be written, full disk --------------------


def test_read_only_state_dir(tmp_path: Path) -> None:
    config = _project(tmp_path, seeds=1)
    with _tmpfs(tmp_path / "state", "64m") as state:
        _render(config)
        _add_seed(tmp_path, 1)
        before, output = _recorded(tmp_path), _tree(tmp_path / "output")
        _remount(state, "ro")
        try:
            code, _out, err = run_cli("--config", str(config), "render")
        finally:
            _remount(state, "rw")
        _one_line_error(code, err, str(state), "read-only", "writable")
        assert _recorded(tmp_path) == before
        assert _tree(tmp_path / "output") == output


def test_output_dir_is_a_file(tmp_path: Path) -> None:
    config = _project(tmp_path, seeds=1, output_dir="briefings")
    (tmp_path / "briefings").write_text("not a folder\n", encoding="utf-8")
    code, _out, err = run_cli("--config", str(config), "render")
    _one_line_error(code, err, str(tmp_path / "briefings"), "is a file, not a folder")
    assert (tmp_path / "briefings").read_text(encoding="utf-8") == "not a folder\n"
    assert _recorded(tmp_path) == ([], [])
    with sqlite3.connect(_db(tmp_path)) as db:  # nothing collected either
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0


def test_read_only_output_dir(tmp_path: Path) -> None:
    config = _project(tmp_path, seeds=1)
    with _tmpfs(tmp_path / "output", "16m") as output:
        _render(config)
        _add_seed(tmp_path, 1)
        before, files = _recorded(tmp_path), _tree(output)
        _remount(output, "ro")
        try:
            code, _out, err = run_cli("--config", str(config), "render")
        finally:
            _remount(output, "rw")
        _one_line_error(code, err, str(output), "read-only")
        assert _recorded(tmp_path) == before
        assert _tree(output) == files


def test_full_disk_leaves_earlier_briefings_and_the_archive(tmp_path: Path) -> None:
    """ENOSPC while the files are written: one line, nothing recorded, the partial folder
    gone, the earlier briefing and index.html as they were; the next render, with space
    again, covers the articles."""
    config = _project(tmp_path, seeds=1)
    with _tmpfs(tmp_path / "output", "1m") as output:
        _render(config)
        _add_seed(tmp_path, 1)
        before, files = _recorded(tmp_path), _tree(output)
        filler = output / ".filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:  # fill the disk to the last block
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        code, _out, err = run_cli("--config", str(config), "render", "--format", FORMATS)
        _one_line_error(code, err, str(output), "No space left on device", "Nothing was recorded")
        assert _recorded(tmp_path) == before
        assert {k: v for k, v in _tree(output).items() if k != ".filler"} == files
        assert sorted(p.name for p in output.iterdir() if p.name != ".filler") == sorted(
            {Path(k).parts[0] for k in files})
        filler.unlink()
        assert _render(config).startswith("Briefing of 1 article(s)")


# --- memory: bounded by the work, not the input ---------------------------------------------


class _CountingModel:
    """Stands in for the encoder: records each batch, returns a vector per text."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def embed(self, texts: list[str]):
        import torch

        self.batches.append(list(texts))
        return torch.tensor([[float(len(t)), *([0.0] * 383)] for t in texts])


def test_sentences_are_embedded_in_bounded_batches(monkeypatch) -> None:
    """Whatever the input, no step holds more than EMBED_CHUNK texts and no forward pass
    more than MAX_BATCH_TOKENS of batch × length²; duplicates are embedded once and every
    text gets its own vector, in order."""
    import numpy as np

    from briefing.analyse import embedder as module

    monkeypatch.setattr(module, "EMBED_CHUNK", 100)
    model = _CountingModel()
    embedder = module.Embedder(batch_size=32)
    embedder._model = model
    calls: list[int] = []
    encode = embedder.encode
    monkeypatch.setattr(embedder, "encode", lambda texts: (calls.append(len(texts)),
                                                            encode(texts))[1])
    texts = [("word " * (i % 300)) + f"s{i % 700}." for i in range(2000)]
    vectors = module.embed_texts(texts, embedder)
    assert max(calls) <= 100 and sum(calls) == len(set(texts))
    for batch in model.batches:
        tokens = min(module.MAX_TOKENS, max(len(t) for t in batch) // module.CHARS_PER_TOKEN + 2)
        assert len(batch) <= 32
        assert len(batch) == 1 or len(batch) * tokens * tokens <= module.MAX_BATCH_TOKENS
    assert np.array_equal(vectors[:, 0], np.array([len(t) for t in texts], dtype=np.float32))


@pytest.mark.skipif(not os.environ.get("BRIEFING_BIG_ARTICLE"),
                    reason="renders a 5 MB article (minutes of CPU): set BRIEFING_BIG_ARTICLE=1, "
                           "or run bench/big_article.py, which docs/reliability.md quotes")
def test_five_megabyte_article_under_600_mb(tmp_path: Path) -> None:
    from bench.big_article import measure

    peak_mb, seconds, sentences = measure(tmp_path, 5_000_000)
    assert sentences > 30_000
    assert peak_mb < 600, f"peak {peak_mb:.0f} MB in {seconds:.0f} s"
