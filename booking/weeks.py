"""The week of slots the public slot page shows, computed alone.

The page shows seven days; the finder reads and computes those days, then looks ahead
only as far as the next day with a slot (the "next week" link, or the "next
availability" button of an empty week). The whole booking window (three months, often
more) is computed only when nothing at all is free in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from availability.slots import Slot, SlotFinder


@dataclass
class Week:
    days: list[tuple[date, list[Slot]]]
    week_start: date
    week_end: date
    next_availability: date | None  # only on an empty week
    next_week: date | None
    previous_week: date | None

    def context(self) -> dict:
        return self.__dict__.copy()


def week_to_show(finder: SlotFinder, requested: date | None, today: date) -> Week:
    """Without a requested week, the week starts on the first day with a slot; never
    before today, nor past the last day with a slot (a forged far date included)."""
    _first, last_day = finder.window
    if requested is None:
        start = finder.first_day(today, last_day) or today
    else:
        start = min(max(requested, today), last_day)
    days = _by_day(finder, start)
    later = finder.first_day(start + timedelta(days=7), last_day)
    if not days and later is None and start > today:
        # Past every slot: the week of the last one, as the links would have led there.
        last = finder.last_day(today, min(start, last_day))
        if last is not None:
            start = last
            days = _by_day(finder, start)
    end = start + timedelta(days=7)
    # "Semaine précédente" only when an earlier day (from today) has a slot: it leads to
    # the week ending on the closest one.
    earlier = finder.last_day(today, start - timedelta(days=1)) if start > today else None
    previous_week = None
    if earlier is not None:
        week_before = start - timedelta(days=7)
        previous_week = max(
            today, week_before if earlier >= week_before else earlier - timedelta(days=6)
        )
    return Week(
        days=days,
        week_start=start,
        week_end=end - timedelta(days=1),
        next_availability=later if not days else None,
        next_week=end if later else None,
        previous_week=previous_week,
    )


def _by_day(finder: SlotFinder, start: date) -> list[tuple[date, list[Slot]]]:
    by_day: dict[date, list[Slot]] = {}
    for slot in finder.slots(start, start + timedelta(days=6)):
        by_day.setdefault(slot.local_day, []).append(slot)
    return list(by_day.items())
