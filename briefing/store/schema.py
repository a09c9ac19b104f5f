"""The database schema and its migrations.

The scripts are SQLite's; ``dialect`` turns their types into PostgreSQL's. The dialect keeps
the schema version (SQLite's ``PRAGMA user_version``, a one-row table on PostgreSQL).
Opening a database applies every migration above its version, in order, each in one
transaction; a database from a newer Briefing is refused rather than written with a schema
this version does not know.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from briefing.errors import StoreError
from briefing.store.dialect import Dialect

# Version 1: the first schema. A later change appends a script; never edit an applied one.
MIGRATIONS: tuple[str, ...] = ("""
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    url TEXT,
    path TEXT,
    published TEXT,
    text TEXT NOT NULL,
    origin TEXT NOT NULL,
    entry_key TEXT,
    title_generated INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    superseded_by TEXT
);
CREATE INDEX IF NOT EXISTS articles_entry ON articles(entry_key);
CREATE TABLE IF NOT EXISTS briefings (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    items INTEGER NOT NULL,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS coverage (
    briefing_id INTEGER NOT NULL REFERENCES briefings(id),
    article_id TEXT NOT NULL REFERENCES articles(id),
    PRIMARY KEY (briefing_id, article_id)
);
CREATE INDEX IF NOT EXISTS coverage_article ON coverage(article_id);
CREATE TABLE IF NOT EXISTS embeddings (
    key TEXT PRIMARY KEY,
    vector BLOB NOT NULL
);
-- Raw documents already cleaned into a stored article (digest of bytes and metadata), so a
-- folder of 10,000 known files is re-read but not re-cleaned on every run.
CREATE TABLE IF NOT EXISTS documents (
    digest TEXT PRIMARY KEY,
    article_id TEXT NOT NULL
);
-- Files whose every document is stored, by absolute path, with a stat signature (see
-- sources.FileDone): a run skips reading an unchanged one at all.
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    documents INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS problems (
    origin TEXT NOT NULL,
    source_key TEXT,
    reason TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (origin, reason)
);
CREATE TABLE IF NOT EXISTS sources (
    key TEXT PRIMARY KEY,
    last_fetch TEXT,
    status TEXT,
    etag TEXT,
    last_modified TEXT,
    documents INTEGER NOT NULL DEFAULT 0,
    new_articles INTEGER NOT NULL DEFAULT 0,
    problems INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    briefing_dir TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    message BLOB NOT NULL,
    status TEXT NOT NULL,          -- pending | sending | sent | failed | unknown
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox(status, next_attempt_at);
-- Small facts the daemon keeps between runs (last scheduled briefing handled, first start).
CREATE TABLE IF NOT EXISTS daemon_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
""",)

# Outbox state per recipient (issue 15): a server may take the message for one address and
# defer or refuse another, so "sent" is a fact about an address, not about a message. Each
# existing message's recipients (one per line) get a row with the message's own status, so
# a pending message stays pending for all of them and a sent one is never sent again.
# Kept as its own string so that migrations written in parallel can be put in any order.
OUTBOX_RECIPIENTS = """
CREATE TABLE IF NOT EXISTS outbox_recipients (
    message_id INTEGER NOT NULL REFERENCES outbox(id),
    address TEXT NOT NULL,
    status TEXT NOT NULL,          -- pending | sending | sent | failed | unknown
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT,
    PRIMARY KEY (message_id, address)
);
INSERT OR IGNORE INTO outbox_recipients (message_id, address, status, attempts, last_error,
                                         sent_at)
WITH RECURSIVE split(message_id, address, rest, status, attempts, last_error, sent_at) AS (
    SELECT id, '', recipients || char(10), status, attempts, last_error, sent_at FROM outbox
    UNION ALL
    SELECT message_id, substr(rest, 1, instr(rest, char(10)) - 1),
           substr(rest, instr(rest, char(10)) + 1), status, attempts, last_error, sent_at
    FROM split WHERE rest <> ''
)
SELECT message_id, trim(address), status, attempts, last_error, sent_at FROM split
WHERE trim(address) <> '';
"""

# Feed entries whose linked page could not be fetched, by entry key, so a failing page is
# tried again after a growing pause instead of on every poll.
ENTRY_FAILURES = """
CREATE TABLE IF NOT EXISTS entry_failures (
    entry_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure TEXT NOT NULL,
    retry_at TEXT NOT NULL,
    reason TEXT NOT NULL
);
"""

# Stories across days (issue 16): each briefing remembers its stories (the lead's text, the
# centroid of the lead's and facts' vectors, the thread of earlier briefings it continues)
# and every line it presented with its vector, so the next briefing can tell a developing
# story and a fact already reported by meaning, not by article id.
STORY_MEMORY = """
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY,
    briefing_id INTEGER NOT NULL REFERENCES briefings(id),
    date TEXT NOT NULL,
    thread INTEGER NOT NULL,       -- the id of the thread's first story (its own when new)
    since TEXT NOT NULL,           -- the date of the thread's first briefing
    briefings INTEGER NOT NULL,    -- how many briefings the thread is in, this one included
    theme TEXT NOT NULL,
    text TEXT NOT NULL,
    centroid BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_date ON stories(date);
CREATE TABLE IF NOT EXISTS story_lines (
    story_id INTEGER NOT NULL REFERENCES stories(id),
    position INTEGER NOT NULL,     -- 0: the lead, then the facts in order
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (story_id, position)
);
"""

# Several daemons on one database (issue 27): the rows they coordinate through, see
# store.coordination.
COORDINATION = """
CREATE TABLE IF NOT EXISTS daemons (
    id TEXT PRIMARY KEY,           -- host:pid:random, new at every start
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    beat_at TEXT NOT NULL,
    lease_until TEXT NOT NULL,     -- taken for dead after this without a beat
    doing TEXT,
    stopped_at TEXT
);
ALTER TABLE sources ADD COLUMN host TEXT;
ALTER TABLE sources ADD COLUMN next_poll_at TEXT;
ALTER TABLE sources ADD COLUMN lease_until TEXT;
ALTER TABLE sources ADD COLUMN leased_by TEXT;
ALTER TABLE sources ADD COLUMN polls INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS sources_due ON sources(next_poll_at);
CREATE TABLE IF NOT EXISTS briefing_runs (
    desk TEXT NOT NULL,
    slot TEXT NOT NULL,            -- the scheduled time, UTC
    owner TEXT NOT NULL,
    status TEXT NOT NULL,          -- composing | done | nothing | failed
    lease_until TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    briefing_id INTEGER,
    takeovers INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (desk, slot)
);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
"""

# Desks (issue 27): several configs share one database's articles, sources and embeddings,
# each with its own briefings (and through them its coverage and story memory), outbox and
# schedule state. Every existing row belongs to the desk a config without ``desk`` has.
# daemon_state gets the desk in its key: copied into a new table, as SQLite cannot change
# a primary key in place.
DESKS = """
ALTER TABLE briefings ADD COLUMN desk TEXT NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS briefings_desk ON briefings(desk, id);
ALTER TABLE outbox ADD COLUMN desk TEXT NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS outbox_desk ON outbox(desk, status);
ALTER TABLE daemons ADD COLUMN desk TEXT;
ALTER TABLE daemon_state RENAME TO daemon_state_before_desks;
CREATE TABLE IF NOT EXISTS daemon_state (
    desk TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (desk, key)
);
INSERT INTO daemon_state (desk, key, value)
SELECT 'default', key, value FROM daemon_state_before_desks;
DROP TABLE daemon_state_before_desks;
"""

# How many times each recipient's delivery was in doubt (the connection broke after the
# message went out), for ``email.resend_unknown``.
RECIPIENT_DOUBTS = """
ALTER TABLE outbox_recipients ADD COLUMN doubts INTEGER NOT NULL DEFAULT 0;
"""

# Version 2: per-recipient outbox; version 3: entry failures; version 4: story memory;
# version 5: coordination; version 6: desks; version 7: doubts.
MIGRATIONS += (OUTBOX_RECIPIENTS, ENTRY_FAILURES, STORY_MEMORY, COORDINATION, DESKS,
               RECIPIENT_DOUBTS)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: Any, where: str, dialect: Dialect | None = None) -> int:
    """Bring ``db`` to SCHEMA_VERSION; return the version it had."""
    dialect = dialect or Dialect()
    version = dialect.schema_version(db)
    if version > SCHEMA_VERSION:
        raise StoreError(f"{where}: the state database has schema version {version}, newer "
                         f"than this Briefing's {SCHEMA_VERSION}; upgrade Briefing or use "
                         "another state_dir")
    for number in range(version, SCHEMA_VERSION):
        dialect.begin_migration(db)
        try:
            if dialect.schema_version(db) > number:  # another process did it meanwhile
                db.execute("ROLLBACK")
                continue
            for statement in _statements(MIGRATIONS[number]):
                if not dialect.skips(number, statement):
                    db.execute(dialect.ddl(statement))
            dialect.set_schema_version(db, number + 1)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return version


def _statements(script: str) -> list[str]:
    # executescript() would commit on its own; splitting keeps a migration in one transaction.
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]
