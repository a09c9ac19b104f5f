"""Stories across days: what each briefing reported, story by story, with the vectors that
let the next briefing recognise a story and a fact by meaning (see compose.memory)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from briefing.store.base import Tables

if TYPE_CHECKING:  # numpy is imported by the calls that need it
    import numpy as np


@dataclass
class StoryRecord:
    """One story as a briefing reported it: its lead first in ``lines``, then its facts."""

    date: str
    thread: int  # the id of the thread's first story; 0 before it is stored (a new thread)
    since: str
    briefings: int
    theme: str
    text: str
    centroid: np.ndarray
    lines: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None  # (len(lines), dim), compose's sentence vectors
    id: int = 0


class StoryTables(Tables):
    def remember_stories(self, briefing_id: int, stories: Iterable[StoryRecord]) -> None:
        """Store a briefing's stories and lines (after the briefing itself is recorded)."""
        import numpy as np

        with self.transaction() as db:
            for story in stories:
                story.id = self.insert_id(
                    db, "INSERT INTO stories (briefing_id, date, thread, since, briefings, "
                    "theme, text, centroid) VALUES (?,?,?,?,?,?,?,?)",
                    (briefing_id, story.date, story.thread, story.since, story.briefings,
                     story.theme, story.text,
                     np.asarray(story.centroid, dtype=np.float32).tobytes()))
                if not story.thread:  # a new thread is named after its first story
                    story.thread = story.id
                    db.execute("UPDATE stories SET thread=? WHERE id=?", (story.id, story.id))
                vectors = story.vectors if story.vectors is not None else []
                db.executemany("INSERT INTO story_lines VALUES (?,?,?,?)", [
                    (story.id, n, text, np.asarray(v, dtype=np.float32).tobytes())
                    for n, (text, v) in enumerate(zip(story.lines, vectors, strict=True))])

    def recent_stories(self, since_date: str) -> list[StoryRecord]:
        """Stories of this desk's briefings dated ``since_date`` or later, oldest first, with
        their lines."""
        import numpy as np

        rows = self.db.execute(
            "SELECT stories.* FROM stories JOIN briefings ON briefings.id = stories.briefing_id "
            "WHERE stories.date >= ? AND briefings.desk = ? ORDER BY stories.id",
            (since_date, self.desk)).fetchall()
        out: list[StoryRecord] = []
        for row in rows:
            lines = self.db.execute("SELECT text, vector FROM story_lines WHERE story_id=? "
                                    "ORDER BY position", (row["id"],)).fetchall()
            vectors = (np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in lines])
                       if lines else None)
            out.append(StoryRecord(
                date=row["date"], thread=row["thread"], since=row["since"],
                briefings=row["briefings"], theme=row["theme"], text=row["text"],
                centroid=np.frombuffer(row["centroid"], dtype=np.float32),
                lines=[r["text"] for r in lines], vectors=vectors, id=row["id"]))
        return out
