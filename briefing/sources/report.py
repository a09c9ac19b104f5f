"""What `briefing sources` prints: each source's last fetch, status, counts and problems."""

from __future__ import annotations

from typing import Any

from briefing.config import Settings


def source_report(settings: Settings, store: Any, max_earlier: int = 5,
                  left_out: list[str] | None = None) -> str:
    """What `briefing sources` shows: each source (configured ones first, then any read with
    --input) with its last fetch, status and counts, and the inputs it rejected and why:
    all of the last fetch's, and up to ``max_earlier`` older ones; then ``left_out``, the
    stored articles the window leaves out of briefings, each with why."""
    known = {row["key"]: row for row in store.sources()}
    names = {s.label: s.name for s in settings.sources}
    labels = list(names) + [k for k in known if k not in names]
    if not labels:
        return "No sources configured."
    blocks = []
    for label in labels:
        title = f"{label}  ({names[label]})" if names.get(label) else label
        row = known.get(label)
        if row is None:
            blocks.append(f"{title}\n  never fetched")
            continue
        lines = [title,
                 f"  last fetch  {_when(row['last_fetch'])}",
                 f"  status      {row['status']}",
                 f"  articles    {row['new_articles']} new in all; last fetch read "
                 f"{row['documents']} document(s)",
                 f"  problems    {row['problems']} in the last fetch"]
        # Problems are kept per (input, reason) with the time last seen, so the most recent
        # ones are the last fetch's; older ones may be inputs since fixed or removed.
        problems = sorted(store.problems(label), key=lambda p: p["seen_at"], reverse=True)
        shown = problems[:row["problems"] + max_earlier]
        for n, problem in enumerate(shown):
            when = "" if n < row["problems"] else f"  (earlier, {_when(problem['seen_at'])})"
            lines.append(f"    ! {problem['origin']}: {problem['reason']}{when}")
        if len(problems) > len(shown):
            lines.append(f"    … and {len(problems) - len(shown)} older problem(s)")
        blocks.append("\n".join(lines))
    if left_out:
        blocks.append(f"Left out of briefings as old ({len(left_out)} article(s) no briefing "
                      "covered):\n" + "\n".join(f"  - {line}" for line in left_out))
    return "\n\n".join(blocks)


def _when(iso: str | None) -> str:
    return iso.replace("T", " ").replace("+00:00", " UTC") if iso else "never"
