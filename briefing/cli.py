"""The command line: parse arguments, build settings, call the pipeline, print results.

Heavy libraries (torch, transformers, weasyprint) are imported only inside the commands that
need them, so ``briefing --help`` and config errors answer at once.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from briefing import __version__
from briefing.errors import BriefingError
from briefing.store.dialect import database_errors

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Turn the day's news articles into a themed, cited newsletter briefing.",
    )
    parser.add_argument("--config", "-c", metavar="PATH", default=None,
                        help="config file (default: ./config.yaml if present, else the "
                             "packaged default); every path in it is relative to its folder")
    parser.add_argument("--verbose", "-v", action="store_true", help="log what each stage does")
    parser.add_argument("--version", action="version", version=f"briefing {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    render = sub.add_parser("render", help="render a briefing of new articles now")
    render.add_argument("--all", action="store_true",
                        help="cover every stored article, not only those no briefing covered")
    render.add_argument("--format", default="md,html,pdf,json", metavar="LIST",
                        help="comma-separated formats among md, html, pdf, json (default: all)")
    render.add_argument("--out", metavar="DIR", help="write under DIR instead of output_dir")
    render.add_argument("--input", "-i", action="append", default=[], metavar="PATH_OR_URL",
                        help="read this file, folder, feed or URL instead of the configured "
                             "sources (repeatable)")
    render.add_argument("--email", action="store_true",
                        help="also email the briefing (see the email: settings)")
    render.add_argument("--explain", action="store_true",
                        help="also write themes.md: each item's section and its score for "
                             "every theme")

    sub.add_parser("sources", help="list each source with its last fetch, status and counts")
    sub.add_parser("check", help="validate the config (and the summarizer model) and exit")

    run = sub.add_parser("run", help="run the daemon: poll sources and deliver on a schedule")
    run.add_argument("--once", action="store_true",
                     help="poll, compose and deliver once, then exit")

    sub.add_parser("status", help="list the daemons alive, their leases, sources due and "
                   "late, the last briefing slots and the outbox")

    send = sub.add_parser("send", help="(re)send a rendered briefing, or retry the outbox")
    send.add_argument("date", nargs="?", help="YYYY-MM-DD of the briefing (default: latest)")
    send.add_argument("--retry", action="store_true", help="retry messages waiting in the outbox")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not args.verbose:
        logging.getLogger("briefing").setLevel(logging.ERROR)
    settings = None
    try:
        settings = _load(args.config)
        handler = _COMMANDS[args.command]
        return handler(settings, args)
    except BriefingError as exc:
        print(f"briefing: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.__class__.__name__ == "ConfigError" else EXIT_ERROR
    except database_errors() as exc:  # met outside the pipeline (sources, send): one line
        from briefing.store import store_error

        where = settings.database if settings is not None else Path("state database")
        print(f"briefing: error: {store_error(where, exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("briefing: interrupted", file=sys.stderr)
        return 130


def _load(config: str | None):
    from briefing.config import load_settings

    if config is None and Path("config.yaml").is_file():
        config = "config.yaml"
    return load_settings(config)


def _progress():
    """A one-line progress bar on a terminal; silent otherwise (daemon, CI, pipes)."""
    if not sys.stderr.isatty():
        return None

    def report(stage: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r{stage:<10} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report


def cmd_render(settings, args) -> int:
    from briefing.pipeline import Pipeline
    from briefing.render.writer import FORMATS
    from briefing.sources.kinds import source_from_cli

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        print(f"briefing: error: --format: unknown format {bad[0] if bad else '(none)'!r} "
              f"(choose from {', '.join(FORMATS)})", file=sys.stderr)
        return EXIT_USAGE
    sources = [source_from_cli(v, Path.cwd()) for v in args.input] or None
    out_root = Path(args.out).resolve() if args.out else None
    with Pipeline(settings, progress=_progress()) as pipeline:
        result = pipeline.render(all_articles=args.all, formats=formats, out_root=out_root,
                                 sources=sources, explain=args.explain)
        for problem in result.collected.problems:
            print(f"skipped {problem}", file=sys.stderr)
        if result.collected.repeated:
            print(f"skipped {result.collected.repeated} input(s) again for the reason given "
                  "before (`briefing sources` lists them)", file=sys.stderr)
        print(result.message)
        for fmt, path in result.paths.items():
            print(f"  {fmt:<5} {path}")
        if result.rendered and args.email:
            from briefing.deliver.commands import send_briefing_dir

            outcome = send_briefing_dir(settings, pipeline.store, result.out_dir)
            print(outcome)
    if not result.rendered and result.collected.skipped and not result.collected.known:
        return EXIT_ERROR  # nothing usable at all: every input was bad
    return EXIT_OK


def cmd_sources(settings, args) -> int:
    from briefing.sources.report import source_report
    from briefing.store import Store

    with Store(settings.database) as store:
        print(source_report(settings, store))
    return EXIT_OK


def cmd_status(settings, args) -> int:
    from briefing.daemon.status import status_report
    from briefing.store import Store

    with Store(settings.database) as store:
        print(status_report(settings, store))
    return EXIT_OK


def cmd_check(settings, args) -> int:
    if settings.summarizer.method == "abstractive":
        from briefing.summarize.summarizers import check_model

        check_model(settings.summarizer)
    where = settings.config_path or "packaged default config"
    print(f"config OK: {where}")
    print(f"  sources: {len(settings.sources)}  themes: "
          f"{', '.join(t.id for t in settings.themes) or '(generic summary)'}  "
          f"budget: {settings.budget_words} words")
    print(f"  output: {settings.output_dir}  state: {settings.state_dir}")
    return EXIT_OK


def cmd_run(settings, args) -> int:
    from briefing.daemon.scheduler import run_daemon

    # A daemon's log is its only output: say what each job did even without --verbose.
    for name in ("briefing.daemon", "briefing.deliver"):
        if not args.verbose:
            logging.getLogger(name).setLevel(logging.INFO)
    return run_daemon(settings, once=args.once)


def cmd_send(settings, args) -> int:
    from briefing.deliver.commands import send_command
    from briefing.pipeline import write_lock

    # Sending writes the outbox: one writer per state_dir, as for render and the daemon's jobs.
    with write_lock(settings.state_dir, "send"):
        message, ok = send_command(settings, date=args.date, retry=args.retry)
    print(message)
    return EXIT_OK if ok else EXIT_ERROR


_COMMANDS = {
    "render": cmd_render,
    "sources": cmd_sources,
    "check": cmd_check,
    "run": cmd_run,
    "status": cmd_status,
    "send": cmd_send,
}
