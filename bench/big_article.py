"""One very long article: wall time and peak memory of a cold `briefing render` of it.

The article is generated (English-like sentences of words drawn from the seeds, a date in
some, paragraphs of six), about 5 MB and 38,000 sentences by default, the size of the one in
issue 15 that took 2.25 GB. It runs the real CLI in a subprocess (JSON only: the PDF of a
briefing does not grow with its input) and reads the child's peak RSS from ``wait4``.

    python bench/big_article.py [--bytes 5000000]

docs/reliability.md quotes its figures.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def article_text(size: int, seed: int = 15) -> tuple[str, int]:
    """About ``size`` bytes of article (a title line, then paragraphs); and its sentences."""
    rng = random.Random(seed)
    words = sorted({w for p in (REPO / "seeds").glob("*.txt")
                    for w in re.findall(r"[A-Za-z][a-z]{2,}", p.read_text(encoding="utf-8"))})
    parts, length, sentences = ["Long report on the crisis\n"], 0, 0
    while length < size - 200:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 22)))
        sentence = sentence[0].upper() + sentence[1:]
        sentence += (f" on {rng.randint(2, 28)} January, officials said." if rng.random() < 0.3
                     else rng.choice([".", ".", ".", "?"]))
        parts.append(sentence)
        length += len(sentence) + 1
        sentences += 1
        if sentences % 6 == 0:
            parts.append("\n\n")
    return " ".join(parts) + "\n", sentences


def measure(folder: Path, size: int = 5_000_000) -> tuple[float, float, int]:
    """Render one generated article of ``size`` bytes in ``folder``: (peak MB, seconds,
    sentences generated)."""
    text, sentences = article_text(size)
    (folder / "in").mkdir(parents=True, exist_ok=True)
    (folder / "in" / "article.txt").write_text(text, encoding="utf-8")
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    config["sources"] = [{"path": "in/"}]
    config.setdefault("fetch", {})["max_bytes"] = size + 1_000_000
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    env.setdefault("BRIEFING_THREADS", "1")
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "briefing", "--config", "config.yaml",
                             "render", "--format", "json"], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"render failed: {err.decode(errors='replace')}")
    if not out.startswith(b"Briefing of 1 article"):
        raise RuntimeError(f"unexpected output: {out[:200]!r}")
    return usage.ru_maxrss / 1024, seconds, sentences


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=5_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        peak, seconds, sentences = measure(Path(tmp), args.bytes)
    print(f"{args.bytes:,} bytes, {sentences:,} sentences: {seconds:.0f} s, "
          f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
