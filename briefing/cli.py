"""The command line: parse arguments, build settings, call the pipeline, print results.

Heavy libraries (torch, transformers, weasyprint) are imported only inside the commands that
need them, so ``briefing --help`` and config errors answer at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
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
    render.add_argument("--preview", "--dry-run", dest="preview", action="store_true",
                        help="write the briefing under OUT/preview/ (or --out) and record "
                             "nothing: no coverage, no edition, no story memory")
    render.add_argument("--explain", action="store_true",
                        help="a preview that also writes themes.md: each item's section and "
                             "its score for every theme")

    sub.add_parser("sources", help="list each source with its last fetch, status and counts")
    check = sub.add_parser("check", help="validate the config, the summarizer model and the "
                                         "secrets it names, and exit")
    check.add_argument("--connect", action="store_true",
                       help="also fetch each source once and open the SMTP session up to the "
                            "login (nothing is stored or sent)")

    run = sub.add_parser("run", help="run the daemon: poll sources and deliver on a schedule")
    run.add_argument("--once", action="store_true",
                     help="poll, compose and deliver once, then exit")

    sub.add_parser("status", help="list the daemons alive, their leases, sources due and "
                   "late, the last briefing slots and the outbox")

    sub.add_parser("list", help="list the editions: when made, items, articles, emailed to")

    send = sub.add_parser("send", help="(re)send a rendered briefing, or retry the outbox")
    send.add_argument("edition", nargs="?",
                      help="the edition (YYYY-MM-DD-N, as `briefing list` names it) or a date "
                           "(that day's latest); default: the latest")
    send.add_argument("--retry", action="store_true", help="retry messages waiting in the outbox")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # The daemon's log lines carry their time, unless journald (which stamps them) takes them.
    stamped = args.command == "run" and not _under_journald()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format=("%(asctime)s " if stamped else "")
                        + "%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
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


def _under_journald() -> bool:
    """stderr is connected to the journal: systemd sets JOURNAL_STREAM to its device:inode."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    try:
        st = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):  # no real stderr (an embedding program)
        return False
    return bool(expected) and expected == f"{st.st_dev}:{st.st_ino}"


def _load(config: str | None):
    from briefing.config import load_settings

    if config is None and Path("config.yaml").is_file():
        config = "config.yaml"
    return load_settings(config)


class StageProgress:
    """Progress on a terminal, one bar per stage (tqdm): sources read, sentences analysed,
    composing, summarizing, rendering. Built only when stderr is a terminal: a pipe, a log
    file, cron and the daemon get none of it."""

    UNITS = {"reading": "sources", "analysing": "sentences", "summarizing": "items"}

    def __init__(self) -> None:
        self.bar = None
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None or stage != self.stage or total != self.bar.total:
            self.close()
            self.stage = stage
            # A terminal that reports no size (0 x 0, where tqdm would hide the bar) gets
            # shutil's fallback, 80 x 24.
            size = shutil.get_terminal_size()
            self.bar = tqdm(total=total, desc=f"{stage:<11}", file=sys.stderr, leave=True,
                            unit=f" {self.UNITS.get(stage, 'step')}", ncols=size.columns,
                            nrows=size.lines,
                            bar_format="{desc} {bar:30} {n_fmt}/{total_fmt}{unit} {elapsed}")
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _progress() -> StageProgress | None:
    return StageProgress() if sys.stderr.isatty() else None


def cmd_render(settings, args) -> int:
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
    preview = args.preview or args.explain  # trying things out never makes history
    if preview and args.email:
        print("briefing: error: --email: a preview is not sent; render without --preview "
              "(or --explain) to make and send an edition", file=sys.stderr)
        return EXIT_USAGE
    if preview:
        from briefing.preview import preview_root, preview_settings

        with preview_settings(settings) as snapshot:
            return _render(snapshot, args, formats, sources,
                           preview_root(settings, out_root), preview=True)
    return _render(settings, args, formats, sources, out_root, preview=False)


def _render(settings, args, formats, sources, out_root, *, preview: bool) -> int:
    from briefing.pipeline import Pipeline

    with Pipeline(settings, progress=_progress()) as pipeline:
        result = pipeline.render(all_articles=args.all, formats=formats, out_root=out_root,
                                 sources=sources, explain=args.explain)
        for problem in result.collected.problems:
            print(f"skipped {problem}", file=sys.stderr)
        for notice in result.collected.notices:
            print(f"note: {notice}", file=sys.stderr)
        if result.collected.repeated:
            print(f"skipped {result.collected.repeated} input(s) again for the reason given "
                  "before (`briefing sources` lists them)", file=sys.stderr)
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(("Preview (nothing recorded): " if preview else "") + result.message)
        for fmt, path in result.paths.items():
            print(f"  {fmt:<5} {path}")
        if result.rendered and args.email:
            from briefing.deliver.commands import send_briefing_dir

            outcome = send_briefing_dir(settings, pipeline.store, result.out_dir)
            print(outcome)
    # One rule for a render that writes nothing: 1 when the inputs gave nothing usable (no
    # article found, every input skipped, or no sentence to summarise), 0 when there was
    # only nothing new (everything covered already, or older than the window).
    if not result.rendered and result.nothing_usable:
        return EXIT_ERROR
    return EXIT_OK


def cmd_sources(settings, args) -> int:
    from briefing import clock
    from briefing.pipeline import left_out_as_old
    from briefing.sources.report import source_report
    from briefing.store import Store

    with Store(settings.database, settings.desk) as store:
        old = left_out_as_old(store, settings, clock.now().astimezone(settings.tz))
        print(source_report(settings, store, left_out=old))
    return EXIT_OK


def cmd_status(settings, args) -> int:
    from briefing.daemon.status import status_report
    from briefing.store import Store

    with Store(settings.database, settings.desk) as store:
        print(status_report(settings, store))
    return EXIT_OK


def cmd_check(settings, args) -> int:
    if settings.summarizer.method == "abstractive":
        from briefing.summarize.summarizers import check_model

        check_model(settings.summarizer)
    from briefing.readiness import missing_secrets, try_smtp, try_sources

    where = settings.config_path or "packaged default config"
    print(f"config OK: {where}")
    print(f"  sources: {len(settings.sources)}  themes: "
          f"{', '.join(t.id for t in settings.themes) or '(generic summary)'}  "
          f"budget: {settings.budget_words} words")
    print(f"  output: {settings.output_dir}  state: {settings.state_dir}")
    if settings.themes and (settings.database_url or settings.database_path.exists()):
        from briefing.pipeline import Pipeline

        # Catch-all settings copied with a config but set for other themes (issue 26).
        with Pipeline(settings) as pipeline:
            for line in pipeline.theme_fit():
                print(f"warning: {line}")
    findings = missing_secrets(settings)
    if args.connect:
        findings += try_sources(settings)
        if settings.email.enabled or settings.email.to:
            findings.append(try_smtp(settings))
    for finding in findings:
        print(finding)
    failed = [f for f in findings if not f.ok]
    if failed:
        print(f"not ready: {len(failed)} problem(s) above", file=sys.stderr)
        return EXIT_ERROR
    if args.connect:
        print("ready: every source answered" + (" and the SMTP server let us in"
                                                if settings.email.enabled or settings.email.to
                                                else ""))
    return EXIT_OK


def cmd_run(settings, args) -> int:
    from briefing.daemon.scheduler import run_daemon

    # A daemon's log is its only output: say what each job did even without --verbose.
    for name in ("briefing.daemon", "briefing.deliver"):
        if not args.verbose:
            logging.getLogger(name).setLevel(logging.INFO)
    return run_daemon(settings, once=args.once)


def cmd_list(settings, args) -> int:
    from briefing.editions import editions, list_table
    from briefing.store import Store

    with Store(settings.database, settings.desk) as store:
        print(list_table(editions(store), settings.tz))
    return EXIT_OK


def cmd_send(settings, args) -> int:
    from briefing.deliver.commands import send_command
    from briefing.editions import is_edition_name
    from briefing.pipeline import write_lock

    if args.edition is not None and not is_edition_name(args.edition):
        print(f"briefing: error: EDITION: expected YYYY-MM-DD or YYYY-MM-DD-N (as `briefing "
              f"list` names it), got {args.edition!r}", file=sys.stderr)
        return EXIT_USAGE
    # Queueing writes the outbox: one writer per state_dir, as for render and the daemon's
    # jobs; talking to the server (up to email.timeout_seconds) holds no shared lock.
    message, ok = send_command(settings, edition=args.edition, retry=args.retry,
                               writing=lambda: write_lock(settings.state_dir, "send"))
    print(message)
    return EXIT_OK if ok else EXIT_ERROR


_COMMANDS = {
    "render": cmd_render,
    "sources": cmd_sources,
    "check": cmd_check,
    "run": cmd_run,
    "status": cmd_status,
    "list": cmd_list,
    "send": cmd_send,
}
