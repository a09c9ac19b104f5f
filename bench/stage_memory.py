"""Peak memory of each step of one render of a generated long article (bench/big_article.py's).

One process renders the article (``briefing render --format json`` through ``cli.main``)
while a thread samples its resident memory every 10 ms; each step of ``briefing/pipeline.py``
and of ``compose.core`` is wrapped (not replaced) so that the samples are counted to the step
running. Prints each step's RSS before and after and its peak while it ran, then the
process's peak (VmHWM), which is about 18 MB above the CLI's own ``wait4`` figure (this
process also holds the generated text and the sampler).

    python bench/stage_memory.py [--bytes 1500000]

docs/reliability.md quotes its figures ("Memory of one very long article").
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.big_article import article_text  # noqa: E402

# (module, attribute): the steps, in the order a render runs them.
STEPS = [
    ("briefing.pipeline", "Pipeline._collect"),
    ("briefing.text.sentences", "article_sentences"),
    ("briefing.analyse.embedder", "embed_texts"),
    ("briefing.compose.core", "group_sentences"),
    ("briefing.compose.core", "group_articles"),
    ("briefing.compose.core", "word_support"),
    ("briefing.compose.core", "split_by_theme"),
    ("briefing.compose.core", "select_lines"),
    ("briefing.compose.core", "build_sections"),
    ("briefing.summarize.summarizers", "apply_summarizer"),
    ("briefing.compose.memory", "recall"),
    ("briefing.compose.figures", "key_figures"),
    ("briefing.compose.timeline", "timeline"),
    ("briefing.render.writer", "render_files"),
]


def rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0


class Sampler:
    """Peak RSS per step: the step running is whatever ``current`` says."""

    def __init__(self) -> None:
        self.current = "start"
        self.peaks: dict[str, float] = {}
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            step = self.current
            self.peaks[step] = max(self.peaks.get(step, 0.0), rss_mb())
            time.sleep(0.01)

    def wrap(self, module: Any, path: str) -> None:
        owner_name, _, name = path.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        function = getattr(owner, name)

        @functools.wraps(function)
        def step(*args: Any, **kwargs: Any) -> Any:
            outer, self.current = self.current, name
            before, start = rss_mb(), time.monotonic()
            try:
                return function(*args, **kwargs)
            finally:
                print(f"  {name}: {before:.0f} -> {rss_mb():.0f} MB, "
                      f"{time.monotonic() - start:.1f} s", file=sys.stderr)
                self.current = outer

        setattr(owner, name, step)


def main() -> None:
    import importlib

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=5_000_000)
    args = parser.parse_args()
    sampler = Sampler()
    for module_name, path in STEPS:
        sampler.wrap(importlib.import_module(module_name), path)
    with tempfile.TemporaryDirectory(prefix="briefing-stages-") as tmp:
        status, seconds, sentences = render_one(Path(tmp), args.bytes)
        os.chdir(REPO)
    print(f"{args.bytes:,} bytes, {sentences:,} sentences: status {status}, {seconds:.0f} s")
    for step, peak in sampler.peaks.items():
        print(f"{step:20s} peak {peak:.0f} MB")
    print(f"process peak (VmHWM) {rss_mb('VmHWM'):.0f} MB")


def render_one(folder: Path, size: int) -> tuple[int, float, int]:
    """Render one generated article of ``size`` bytes in ``folder``, in this process:
    (exit status, seconds, sentences generated)."""
    from briefing import cli

    text, sentences = article_text(size)
    (folder / "in").mkdir()
    (folder / "in" / "article.txt").write_text(text, encoding="utf-8")
    del text
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    config["sources"] = [{"path": "in/"}]
    config.setdefault("fetch", {})["max_bytes"] = size + 1_000_000
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    os.environ.setdefault("BRIEFING_THREADS", "1")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.chdir(folder)
    start = time.monotonic()
    status = cli.main(["--config", "config.yaml", "render", "--format", "json"])
    return status, time.monotonic() - start, sentences

if __name__ == "__main__":
    main()
