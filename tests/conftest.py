"""Shared fixtures: a project folder with the seeds and a config, and one real render of it.

Tests run the real model, real SQLite and real WeasyPrint. Under pytest-xdist each worker
gets one torch thread (two workers on two cores would otherwise fight over them).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("BRIEFING_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
def analyse_seeds():
    """The seeds cleaned, split and embedded as the pipeline does: (articles, sentences,
    vectors), for tests that drive compose's steps directly."""
    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.compose.wording import with_context
    from briefing.records import RawDocument
    from briefing.text.clean import clean_document
    from briefing.text.sentences import article_sentences

    articles = [clean_document(RawDocument(origin=p.name, content=p.read_bytes(),
                                           path=f"seeds/{p.name}"))
                for p in sorted(SEEDS.glob("*.txt"))]
    sentences = [s for a in articles for s in article_sentences(a)]
    vectors = embed_texts([with_context(s.text, s.context) for s in sentences], shared_embedder())
    return articles, sentences, vectors


JUNK = [
    "โ€", "â€", "Leave a Reply", "Related posts", "Your email address will not be published",
    "based mostly on web site supplies", "This December video explains", "Source: Al Jazeera",
    "[Alex Brandon/Pool via AP]", "Alexander Ermochenko | Reuters", "live blog is now closed",
    "Read more here", "images of Russian military vehicles are circulating",
]


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    from briefing.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def write_config(folder: Path, **overrides) -> Path:
    """A copy of the project's config.yaml in `folder`, with keys overridden."""
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    data.update(overrides)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh project folder: seeds/ and config.yaml reading them."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    write_config(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def seed_render(tmp_path_factory) -> dict:
    """One real render of the seeds with the default config, shared by many tests."""
    root = tmp_path_factory.mktemp("seed_render")
    shutil.copytree(SEEDS, root / "seeds")
    config = write_config(root)
    code, out, err = run_cli("--config", str(config), "render")
    assert code == 0, err
    day = next(p for p in (root / "output").iterdir() if p.is_dir())
    return {
        "root": root,
        "config": config,
        "dir": day,
        "stdout": out,
        "stderr": err,
        "json": json.loads((day / "briefing.json").read_text(encoding="utf-8")),
    }


def self_signed_certificate(folder: Path, subject_alt_name: str) -> tuple[Path, Path]:
    """A throwaway certificate and key for a TLS server in a test (``DNS:localhost``,
    ``IP:127.0.0.1``), made with the openssl command; skips the test without it."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed (apt-get install openssl)")
    cert, key = folder / "cert.pem", folder / "key.pem"
    name = subject_alt_name.partition(":")[2]
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName={subject_alt_name}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key
