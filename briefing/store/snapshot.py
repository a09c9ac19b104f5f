"""A server database copied into a new SQLite file: the snapshot a preview writes to and
throws away (``render --preview`` / ``--explain`` with ``database_url``).

Every table the schema has, every row, as one consistent read of the server (other daemons
may commit meanwhile; the copy sees one moment). The SQLite file is made by the same
migrations, so its columns are the server's; a table without an integer key carries its
insertion order over as SQLite's ``rowid``, which the store orders by."""

from __future__ import annotations

from pathlib import Path

from briefing.store import Store


def copy_to_sqlite(source: Store, target: Path) -> int:
    """Copy every row of ``source`` (a PostgreSQL store) into a new SQLite database at
    ``target``; return the number of rows copied."""
    copied = 0
    with Store(target, source.desk) as copy:
        # Rows arrive table by table, a referencing table possibly before the one it
        # references: the copy's keys are the server's, checked there already.
        copy.db.execute("PRAGMA foreign_keys=OFF")
        tables = [r[0] for r in copy.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        with source.db.consistent_reads():
            for table in tables:
                columns = [r[1] for r in copy.db.execute(f"PRAGMA table_info({table})")]
                if source.db.execute("SELECT 1 FROM information_schema.columns WHERE "
                                     "table_name=? AND column_name='rowid'",
                                     (table,)).fetchone():
                    columns.append("rowid")
                names = ", ".join(columns)
                insert = (f"INSERT INTO {table} ({names}) VALUES "
                          f"({', '.join('?' * len(columns))})")
                for rows in source.db.stream(f"SELECT {names} FROM {table}"):
                    with copy.transaction() as db:
                        db.executemany(insert, rows)
                    copied += len(rows)
    return copied
