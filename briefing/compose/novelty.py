"""What is new since the last briefing."""

from __future__ import annotations

from briefing.records import Briefing


def mark_new(briefing: Briefing, covered: set[str], previous_date: str | None) -> int:
    """Flag the items that cite (lead or facts) an article no earlier briefing covered;
    return how many.

    Call it only when an earlier briefing exists (with nothing to compare, nothing is new)
    and before this briefing's coverage is recorded.
    """
    count = 0
    for item in briefing.items:
        item.new = any(a not in covered for a in item.articles)
        count += item.new
    briefing.stats["new_items"] = count
    if previous_date:
        briefing.stats["previous_briefing"] = previous_date
    return count
