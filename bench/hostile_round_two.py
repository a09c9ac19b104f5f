"""The figures of issue 28 in docs/reliability.md, on servers and files on 127.0.0.1:

- a send against a tarpit SMTP server (correct answers, one byte every 0.5 s) with
  email.timeout_seconds of 2: the wall time of ``briefing send`` (a process of its own,
  interpreter start-up included) and of the send inside it;
- a send against a server whose greeting is endless ``220-`` lines: wall time and the peak
  resident memory of the ``briefing send`` process;
- ``briefing check`` of a config with a YAML alias bomb (the issue's: nine aliases nine
  levels deep) in ``title``, ``schedule.poll`` and ``budget_words``, and of a bomb within
  the alias bound but past the size bound: wall time and peak resident memory, beside the
  check of the plain config.

    .venv/bin/python bench/hostile_round_two.py [--trials 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import yaml  # noqa: E402
from conftest import SEEDS, run_cli, write_config  # noqa: E402
from test_hostile_config import _bomb  # noqa: E402
from test_hostile_mail import endless_greeting, hostile, tarpit  # noqa: E402

from briefing.config import load_settings  # noqa: E402
from briefing.deliver.commands import send_command  # noqa: E402


def measured(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run ``python -m briefing ARGS``; (seconds, peak RSS in MB, its output)."""
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "briefing", *args], cwd=cwd,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    out = child.stdout.read().decode() if child.stdout else ""
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0  # reaped by wait4
    return time.monotonic() - started, usage.ru_maxrss / 1024, out.strip()


def email(port: int, **extra) -> dict:
    return {"enabled": True, "smtp_host": "127.0.0.1", "smtp_port": port, "security": "none",
            "from": "briefing@example.org", "to": ["reader@example.org", "desk@example.org"],
            "timeout_seconds": 2, "retry_seconds": 60, **extra}


def sends(root: Path, trials: int) -> None:
    project = root / "mail"
    shutil.copytree(SEEDS, project / "seeds")
    write_config(project)
    code, _, err = run_cli("--config", str(project / "config.yaml"), "render")
    assert code == 0, err
    with hostile(tarpit) as server:
        config = write_config(project, email=email(server.port))
        inside, whole = [], []
        for _ in range(trials):
            started = time.monotonic()
            report, ok = send_command(load_settings(config))
            inside.append(time.monotonic() - started)
            assert not ok and "waits in the outbox" in report, report
            seconds, _, out = measured(["--config", str(config), "send"], project)
            whole.append(seconds)
        print(f"tarpit, timeout_seconds 2, {trials} trials: send {statistics.median(inside):.2f} "
              f"s median (max {max(inside):.2f}); `briefing send` {statistics.median(whole):.2f}"
              f" s median (max {max(whole):.2f}); {out.splitlines()[-1][:120]}")
    with hostile(endless_greeting) as server:
        config = write_config(project, email=email(server.port, timeout_seconds=30))
        seconds, peak, out = measured(["--config", str(config), "send"], project)
        print(f"endless greeting, timeout_seconds 30: {seconds:.2f} s, peak RSS {peak:.0f} MB, "
              f"{server.bytes_sent:,} bytes sent by the server; {out.splitlines()[-1][:140]}")
    seconds, peak, _ = measured(["--config", str(config), "check"], project)
    print(f"for scale, `briefing check` of that config: {seconds:.2f} s, peak RSS {peak:.0f} MB")


def bombs(root: Path) -> None:
    base = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    plain = root / "plain"
    plain.mkdir()
    (plain / "config.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
    seconds, peak, _ = measured(["--config", "config.yaml", "check"], plain)
    print(f"plain config: check {seconds:.2f} s, peak RSS {peak:.0f} MB")
    for levels in (9, 7):
        for key in ("title", "schedule.poll", "budget_words"):
            top, _, sub = key.partition(".")
            data = {k: v for k, v in base.items() if k != top}
            text = yaml.safe_dump(data) + "bomb_anchors:\n" + "".join(
                f"  {line}\n" for line in _bomb(levels, levels).splitlines())
            text += f"{top}: *a{levels}\n" if not sub else f"{top}:\n  {sub}: *a{levels}\n"
            folder = root / f"bomb{levels}-{top}"
            folder.mkdir()
            (folder / "config.yaml").write_text(text, encoding="utf-8")
            seconds, peak, out = measured(["--config", "config.yaml", "check"], folder)
            print(f"{levels}x{levels} bomb in {key}: check {seconds:.2f} s, peak RSS "
                  f"{peak:.0f} MB: {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bombs(Path(tmp))
        sends(Path(tmp), args.trials)


if __name__ == "__main__":
    main()
