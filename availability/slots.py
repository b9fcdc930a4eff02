"""Slot search: free times of a motif's duration inside the agents' availability ranges,
minus their RDVs and absences.

A few queries in all (ranges, busy RDVs, absences), whatever the number of days or
ranges; the recurrence expansion and the interval arithmetic run in Python, on epoch
seconds. Local wall-clock times are Europe/Paris, so a range open 9:00–12:00 stays
9:00–12:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

import zoneinfo
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import accumulate, chain

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import BigIntegerField, F, Func, OuterRef
from django.utils import timezone

from availability.models import Absence, AvailabilityRange, occurrence_dates
from motifs.eligibility import eligibility
from motifs.models import Motif
from rdvs.models import RdvAgent
from territories.models import Organisation

PARIS = zoneinfo.ZoneInfo(settings.TIME_ZONE)
STEP = 5 * 60  # slots start on 5-minute boundaries
# What makes two availability ranges open at the same times.
PATTERN = (
    "first_day",
    "recurrence",
    "weekdays",
    "every_n_weeks",
    "until",
    "start_time",
    "end_time",
)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    # Lists of agent ids, each sorted: a 3-month search at a thousand agents holds
    # hundreds of thousands of them, and only the slot being booked needs them merged.
    agent_lists: tuple[list[int], ...] = field(compare=False, repr=False)

    @cached_property
    def agent_ids(self) -> tuple[int, ...]:
        lists = self.agent_lists
        return tuple(lists[0] if len(lists) == 1 else sorted(set(chain(*lists))))

    @property
    def param(self) -> int:
        """How the slot travels in a URL (?debut=): epoch seconds."""
        return int(self.starts_at.timestamp())

    @property
    def local_day(self) -> date:
        return timezone.localtime(self.starts_at, PARIS).date()


def booking_window(motif: Motif, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The online-booking window: not before now + minimum delay, not after now + maximum."""
    now = now or timezone.now()
    return (
        now + timedelta(seconds=motif.min_booking_delay),
        now + timedelta(seconds=motif.max_booking_delay),
    )


def find_slots(
    motif: Motif,
    organisation: Organisation,
    start: date,
    end: date,
    *,
    public: bool = True,
    now: datetime | None = None,
    ignore_rdv_id: int | None = None,
) -> list[Slot]:
    """Free slots between the local days `start` and `end` (inclusive), in time order.

    `public` clips them to the motif's booking window (agents booking for a usager are
    not held to it; past slots are never offered). `ignore_rdv_id` frees the time of
    the RDV being moved.
    """
    finder = SlotFinder(
        motif, organisation, start, end, public=public, now=now, ignore_rdv_id=ignore_rdv_id
    )
    return finder.slots(start, end)


class SlotFinder:
    """The free slots of one motif in one organisation over a window of days, computed a
    span at a time.

    The availability ranges of the whole window are read once (one row per opening
    pattern, however long the window); the busy times (RDVs, absences) are read for each span
    asked for, and a span without any open time costs no query. So a page that shows
    one week reads and computes that week, plus what it takes to find the next day
    with a slot (`first_day`, looking ahead in growing spans), not the whole window.

    `skip_start` leaves out one start (the usager's own RDV when moving it).
    """

    def __init__(
        self,
        motif: Motif,
        organisation: Organisation,
        first_day: date,
        last_day: date,
        *,
        public: bool = True,
        now: datetime | None = None,
        ignore_rdv_id: int | None = None,
        skip_start: datetime | None = None,
    ) -> None:
        self.motif = motif
        self.organisation = organisation
        self.window = (first_day, last_day)
        now = now or timezone.now()
        low, high = booking_window(motif, now) if public else (now, None)
        self.low_s = int(low.timestamp())
        self.high_s = int(high.timestamp()) if high else None
        self.duration = motif.default_duration * 60
        self.ignore_rdv_id = ignore_rdv_id
        self.skip_s = int(skip_start.timestamp()) if skip_start else None
        self._local_seconds = _LocalSeconds()

    @cached_property
    def ranges(self) -> list[tuple]:
        """(pattern…, agents) per distinct opening pattern: agents of an organisation
        mostly share their hours, so a thousand agents' ranges are a few rows."""
        first_day, last_day = self.window
        return list(
            AvailabilityRange.objects.filter(
                # The range's agent checked in place: "agent IN (agents who may…)"
                # doubles the joins the planner weighs (planning was 18 of 20 ms).
                eligibility(self.organisation, agent=OuterRef("agent_id"), motif=self.motif),
                organisation=self.organisation,
                motifs=self.motif,
                first_day__lte=last_day,
            )
            .exclude(until__lt=first_day)
            .order_by()
            .values(*PATTERN)
            .annotate(agents=ArrayAgg("agent_id"))
            .values_list(*PATTERN, "agents")
        )

    @staticmethod
    def span_bounds(start: date, end: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(start, datetime.min.time(), PARIS),
            datetime.combine(end + timedelta(days=1), datetime.min.time(), PARIS),
        )

    def busy_queries(self, span_start: datetime, span_end: datetime, agent_ids=None) -> tuple:
        """(agent, [starts], [ends]) rows, one per agent, of the RDVs holding time and of
        the absences that meet the span."""
        if agent_ids is None:
            agent_ids = {agent for row in self.ranges for agent in row[-1]}
        # The base manager: the agents come from this territory's ranges, and the scoped
        # manager would join every RDV to check the territory again.
        rdv_links = RdvAgent._base_manager.filter(
            agent_id__in=agent_ids, holds_time=True, starts_at__lt=span_end, ends_at__gt=span_start
        )
        if self.ignore_rdv_id is not None:
            rdv_links = rdv_links.exclude(rdv_id=self.ignore_rdv_id)
        absences = Absence.objects.filter(
            agent_id__in=agent_ids, starts_at__lt=span_end, ends_at__gt=span_start
        )
        # Epoch seconds straight from PostgreSQL, gathered per agent: parsing thousands of
        # timestamps, or of rows, costs more than the search itself.
        return tuple(
            query.order_by()
            .values("agent_id")
            .annotate(starts=ArrayAgg(_epoch("starts_at")), ends=ArrayAgg(_epoch("ends_at")))
            .values_list("agent_id", "starts", "ends")
            for query in (rdv_links, absences)
        )

    def _groups(self, start: date, end: date) -> list[tuple[list[tuple[int, int]], list[int]]]:
        """(open intervals in epoch seconds, agents) for each set of agents open at the
        same times on the days of the span; only intervals that can hold a slot of the
        booking window. Agents of an organisation mostly share their hours: each pattern
        is expanded once, and each shared timetable is walked once."""
        local_seconds = self._local_seconds
        duration, low_s, high_s = self.duration, self.low_s, self.high_s
        patterns_of: dict[int, list[int]] = defaultdict(list)
        expanded: list[list[tuple[int, int]]] = []
        for number, row in enumerate(self.ranges):
            first_day, recurrence, weekdays, every, until, start_time, end_time, agents = row
            expanded.append(
                [
                    (opens, closes)
                    for day in occurrence_dates(
                        first_day, recurrence, weekdays, every, until, start, end
                    )
                    for opens, closes in [
                        (local_seconds(day, start_time), local_seconds(day, end_time))
                    ]
                    if closes - duration >= low_s and (high_s is None or opens <= high_s)
                ]
            )
            if expanded[number]:
                for agent_id in agents:
                    patterns_of[agent_id].append(number)
        sharing: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for agent_id, numbers in patterns_of.items():
            sharing[tuple(numbers)].append(agent_id)
        return [
            (sorted(chain.from_iterable(expanded[n] for n in numbers)), sorted(agents))
            for numbers, agents in sharing.items()
        ]

    def _runs(self, start: date, end: date) -> dict[tuple[int, int], list[list[int]]]:
        """{(first start, last start): lists of agents}: the slots of a run start at
        first, first + duration, … up to last. Each shared timetable gives its runs once;
        an agent's RDVs and absences take the agent out of the intervals they touch only,
        and add what is left of those. (Lists of lists: the agents of a timetable are
        shared by its runs, not copied into each.)"""
        groups = self._groups(start, end)
        if not groups:
            return {}
        busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
        agent_ids = [agent for _, agents in groups for agent in agents]
        for query in self.busy_queries(*self.span_bounds(start, end), agent_ids=agent_ids):
            for agent_id, starts, ends in query:
                busy[agent_id].extend(zip(starts, ends, strict=True))
        runs: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
        run = self._run
        for intervals, agents in groups:
            # Running maximum: sorted even if two old ranges of an agent overlap.
            closes = list(accumulate((close for _, close in intervals), max))
            excluded: dict[int, set[int]] = defaultdict(set)
            # What is left of the intervals an agent's RDVs cut, gathered by run (the
            # agents of a timetable often have RDVs at the same times).
            split: dict[tuple[int, int], list[int]] = defaultdict(list)
            for agent_id in agents:
                agent_busy = busy.get(agent_id)
                if not agent_busy:
                    continue
                agent_busy.sort()
                touched = set()
                for busy_start, busy_end in agent_busy:
                    index = bisect_right(closes, busy_start)
                    while index < len(intervals) and intervals[index][0] < busy_end:
                        touched.add(index)
                        index += 1
                if not touched:
                    continue
                for index in touched:
                    excluded[index].add(agent_id)
                parts = _subtract([intervals[index] for index in sorted(touched)], agent_busy)
                for free_start, free_end in parts:
                    if key := run(free_start, free_end):
                        split[key].append(agent_id)
            for index, (opens, closes_at) in enumerate(intervals):
                if key := run(opens, closes_at):
                    out = excluded.get(index)
                    if not out:
                        runs[key].append(agents)
                    elif len(out) < len(agents):
                        runs[key].append([a for a in agents if a not in out])
            for key, split_agents in split.items():
                runs[key].append(split_agents)  # in the order of `agents`: sorted
        return runs

    def _run(self, free_start: int, free_end: int) -> tuple[int, int] | None:
        duration = self.duration
        first = -(-free_start // STEP) * STEP
        if first < self.low_s:  # skip whole slots, keeping the tiling from the range start
            first += -(-(self.low_s - first) // duration) * duration
        last = free_end - duration
        if self.high_s is not None and last > self.high_s:
            last = self.high_s
        if first > last:
            return None
        return first, last - (last - first) % duration

    def _starts(self, start: date, end: date) -> set[int]:
        """The distinct slot starts of the span, without who holds them."""
        starts: set[int] = set()
        duration = self.duration
        for first, last in self._runs(start, end):
            starts.update(range(first, last + 1, duration))
        starts.discard(self.skip_s)
        return starts

    def slots(self, start: date, end: date) -> list[Slot]:
        """The slots of the local days `start` to `end` (inclusive), with their agents."""
        by_start: dict[int, list[list[int]]] = defaultdict(list)
        duration = self.duration
        for (first, last), lists in self._runs(start, end).items():
            for second in range(first, last + 1, duration):
                by_start[second].extend(lists)
        by_start.pop(self.skip_s, None)
        return [
            Slot(
                starts_at=datetime.fromtimestamp(second, UTC),
                ends_at=datetime.fromtimestamp(second + duration, UTC),
                agent_lists=tuple(lists),
            )
            for second, lists in sorted(by_start.items())
        ]

    def first_day(self, start: date, end: date) -> date | None:
        """The first local day from `start` to `end` with a slot: a week first, then
        spans twice as long each time (few queries even across an empty quarter)."""
        return self._seek(start, end, forward=True)

    def last_day(self, start: date, end: date) -> date | None:
        """The last local day from `start` to `end` with a slot, looking back likewise."""
        return self._seek(start, end, forward=False)

    def _seek(self, start: date, end: date, *, forward: bool) -> date | None:
        days = 7
        while start <= end:
            if forward:
                span = (start, min(end, start + timedelta(days=days - 1)))
            else:
                span = (max(start, end - timedelta(days=days - 1)), end)
            starts = self._starts(*span)
            if starts:
                second = min(starts) if forward else max(starts)
                return timezone.localtime(datetime.fromtimestamp(second, UTC), PARIS).date()
            if forward:
                start = span[1] + timedelta(days=1)
            else:
                end = span[0] - timedelta(days=1)
            days *= 2
        return None


def _epoch(field: str) -> Func:
    return Func(
        F(field),
        template="EXTRACT(EPOCH FROM %(expressions)s)::bigint",
        output_field=BigIntegerField(),
    )


class _LocalSeconds(dict):
    """Epoch seconds of a Paris wall-clock time on a day, memoised: agents share hours."""

    def __call__(self, day: date, at: time) -> int:
        key = (day, at)
        value = self.get(key)
        if value is None:
            value = self[key] = int(datetime.combine(day, at, PARIS).timestamp())
        return value


def _subtract(
    intervals: list[tuple[int, int]], busy: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """`intervals` minus `busy`, both sorted by start."""
    if not busy:
        return intervals
    free: list[tuple[int, int]] = []
    index = 0
    count = len(busy)
    for start, end in intervals:
        while index < count and busy[index][1] <= start:
            index += 1
        cursor = start
        scan = index
        while scan < count and busy[scan][0] < end:
            busy_start, busy_end = busy[scan]
            if busy_start > cursor:
                free.append((cursor, busy_start))
            if busy_end > cursor:
                cursor = busy_end
            scan += 1
        if cursor < end:
            free.append((cursor, end))
    return free


def slot_at(
    motif: Motif,
    organisation: Organisation,
    starts_at: datetime,
    *,
    public: bool = True,
    ignore_rdv_id: int | None = None,
) -> Slot | None:
    """The free slot starting exactly at `starts_at`, if there is one."""
    day = timezone.localtime(starts_at, PARIS).date()
    for slot in find_slots(
        motif, organisation, day, day, public=public, ignore_rdv_id=ignore_rdv_id
    ):
        if slot.starts_at == starts_at:
            return slot
    return None
