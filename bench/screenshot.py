"""The README's picture: the seed briefing as a desktop browser shows it.

Renders seeds/ with the real CLI (a fresh project in a temporary folder, the default
config.yaml), opens briefing.html in headless Chromium 1280 px wide, and saves the top of the
page as docs/briefing.png.

    .venv/bin/python bench/screenshot.py            # or: make screenshot
    .venv/bin/python bench/screenshot.py --height 1200 --out /tmp/briefing.png

Chromium runs on the local file only, with a throwaway profile and background networking off.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1",
         "--force-prefers-color-scheme=light"]
MAX_BYTES = 400_000  # keeps the repository light; above this the PNG gets a palette


def render_seeds(project: Path) -> Path:
    """Render the seeds as a new user would, and return the briefing.html written."""
    shutil.copytree(REPO / "seeds", project / "seeds")
    shutil.copy(REPO / "config.yaml", project / "config.yaml")
    subprocess.run([sys.executable, "-m", "briefing", "--config", str(project / "config.yaml"),
                    "render", "--format", "html,json"], check=True, cwd=project)
    return next((project / "output").glob("*/briefing.html"))


def screenshot(page: Path, out: Path, width: int, height: int, profile: Path) -> None:
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                    f"--window-size={width},{height}", f"--screenshot={out}", page.as_uri()],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)
    if not out.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot to {out}")


def shrink(path: Path) -> None:
    """Re-save with the best zlib level; quantise only if it is still too big."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    image.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "briefing.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1600, help="the top N px of the page")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="briefing-shot-") as folder:
        work = Path(folder)
        page = render_seeds(work / "project")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shot = work / "shot.png"
        screenshot(page, shot, args.width, args.height, work / "profile")
        shrink(shot)
        shutil.copy(shot, args.out)
    print(f"{args.out}: {args.width}x{args.height}, {args.out.stat().st_size // 1000} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
