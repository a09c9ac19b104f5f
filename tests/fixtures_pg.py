"""A real PostgreSQL 15 server for tests, started once per test session (per xdist worker).

``initdb`` into a temporary folder and ``pg_ctl start``, listening only on a Unix socket in
that folder (no TCP port at all), with fsync off: a throwaway server that starts in about a
second. PostgreSQL refuses to run as root, so as root (CI) both run as the ``postgres`` user
the Debian package creates, and the folder is handed to it. Each test asks for a database
of its own (``new_database``), so tests never see each other's rows.

The server is required: without PostgreSQL 15 (Debian ``postgresql-15``; ``.ci/run`` and
``make postgres`` install it) the tests that use it fail with one line saying so, rather
than skip and let a broken backend pass CI unnoticed. ``BRIEFING_PG=skip`` skips them
instead, for a machine that cannot have it.

Usage::

    from fixtures_pg import postgres_server  # noqa: F401

    def test_something(postgres_server):
        url = postgres_server.new_database()   # postgresql://postgres@/t1?host=…&port=…
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("BRIEFING_PG_BIN", "/usr/lib/postgresql/15/bin"))
SKIP_ENV = "BRIEFING_PG"  # "skip": skip the PostgreSQL tests instead of failing them
PORT = 5432  # only names the socket file: the server listens on no TCP port


@dataclass
class PostgresServer:
    root: Path
    socket_dir: Path
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={PORT}"

    def new_database(self) -> str:
        """Create an empty database; return its address (the Unix-socket form)."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_postgres(command: list[str]) -> list[str]:
    """Run ``command`` as the postgres user when we are root (the server refuses root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start_server(root: Path) -> PostgresServer:
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 is not installed ({PG_BIN}/initdb is missing): "
                           "apt-get install postgresql-15 (or `make postgres`), or set "
                           f"{SKIP_ENV}=skip to skip these tests")
    data, sockets = root / "data", root / "socket"
    sockets.mkdir(parents=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for folder in (root, sockets):
            os.chown(folder, user.pw_uid, user.pw_gid)
    root.chmod(0o700)

    def run(*command: str) -> None:
        done = subprocess.run(_as_postgres(list(command)), capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            raise RuntimeError(f"{Path(command[0]).name} failed: "
                               f"{(done.stderr or done.stdout).strip()[-2000:]}")

    run(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
        "--no-sync", "--no-locale", "-E", "UTF8")
    options = (f"-k {sockets} -p {PORT} -c listen_addresses='' -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
    run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
        "-w", "-t", "60", "start")
    return PostgresServer(root, sockets)


def stop_server(server: PostgresServer) -> None:
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(server.root / "data"),
                                 "-m", "immediate", "-w", "stop"]),
                   capture_output=True, timeout=60)
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if os.environ.get(SKIP_ENV) == "skip":
        pytest.skip(f"{SKIP_ENV}=skip: the PostgreSQL tests are skipped")
    # Not pytest's tmp_path: its folders are private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="briefing-pg-"))
    try:
        server = start_server(root)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL could not be started: {exc}", pytrace=False)
    try:
        yield server
    finally:
        stop_server(server)
