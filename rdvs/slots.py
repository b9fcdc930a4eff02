"""Slot search: free times of a motif's duration inside the agents' availability ranges,
minus their RDVs and absences.

A few queries in all (ranges, busy RDVs, absences), whatever the number of days or
ranges; the recurrence expansion and the interval arithmetic run in Python, on epoch
seconds. Local wall-clock times are Europe/Paris, so a range open 9:00–12:00 stays
9:00–12:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import BigIntegerField, Exists, F, Func, OuterRef, QuerySet
from django.utils import timezone

from agents.models import Agent
from motifs.models import Motif
from rdvs.models import Absence, AvailabilityRange, RdvAgent, occurrence_dates
from territories.models import AgentRole, AgentService, Organisation, TerritoryService

PARIS = zoneinfo.ZoneInfo(settings.TIME_ZONE)
STEP = 5 * 60  # slots start on 5-minute boundaries


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    agent_ids: tuple[int, ...]

    @property
    def param(self) -> int:
        """How the slot travels in a URL (?debut=): epoch seconds."""
        return int(self.starts_at.timestamp())

    @property
    def local_day(self) -> date:
        return timezone.localtime(self.starts_at, PARIS).date()


def agents_for(motif: Motif, organisation: Organisation) -> QuerySet[Agent]:
    """Agents who may receive this motif in this organisation: a role there and an
    assignment to the motif's service, the service being active in the territory: the
    agents for whom `Motif.objects.usable_by(agent, organisation)` contains the motif,
    asked the other way round (one query for all agents)."""
    service_active = TerritoryService.objects.filter(
        territory_id=organisation.territory_id, service_id=motif.service_id, is_active=True
    )
    return Agent.objects.filter(
        Exists(AgentRole.objects.filter(agent=OuterRef("pk"), organisation=organisation)),
        Exists(
            AgentService.objects.filter(
                agent=OuterRef("pk"),
                territory_id=organisation.territory_id,
                service_id=motif.service_id,
            )
        ),
        Exists(service_active),
        is_active=True,
    )


def usable_motifs(agent: Agent, organisation: Organisation) -> QuerySet[Motif]:
    """The motifs an agent may offer in an organisation's ranges."""
    return Motif.objects.usable_by(agent, organisation)


def public_motifs(organisation: Organisation) -> QuerySet[Motif]:
    """Motifs a member of the public may book online in this organisation."""
    return Motif.objects.filter(
        territory_id=organisation.territory_id,
        organisations=organisation,
        bookable_by_public=True,
        archived_at__isnull=True,
        service__territory_services__territory_id=organisation.territory_id,
        service__territory_services__is_active=True,
    ).distinct()


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
    now = now or timezone.now()
    if public:
        low, high = booking_window(motif, now)
    else:
        low, high = now, None
    duration = motif.default_duration * 60

    ranges = list(
        AvailabilityRange.objects.filter(
            organisation=organisation,
            motifs=motif,
            agent__in=agents_for(motif, organisation),
            first_day__lte=end,
        )
        .exclude(until__lt=start)
        .values_list(
            "agent_id",
            "first_day",
            "recurrence",
            "weekdays",
            "every_n_weeks",
            "until",
            "start_time",
            "end_time",
        )
    )
    if not ranges:
        return []
    agent_ids = {row[0] for row in ranges}
    span_start = datetime.combine(start, datetime.min.time(), PARIS)
    span_end = datetime.combine(end + timedelta(days=1), datetime.min.time(), PARIS)
    rdv_links = RdvAgent.objects.filter(
        agent_id__in=agent_ids, holds_time=True, starts_at__lt=span_end, ends_at__gt=span_start
    )
    if ignore_rdv_id is not None:
        rdv_links = rdv_links.exclude(rdv_id=ignore_rdv_id)
    absences = Absence.objects.filter(
        agent_id__in=agent_ids, starts_at__lt=span_end, ends_at__gt=span_start
    )
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for query in (rdv_links, absences):
        # Epoch seconds straight from PostgreSQL: parsing thousands of timestamps costs more.
        rows = query.values_list("agent_id", _epoch("starts_at"), _epoch("ends_at"))
        for agent_id, busy_start, busy_end in rows:
            busy[agent_id].append((busy_start, busy_end))

    local_seconds = _LocalSeconds()
    open_times: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for agent_id, first_day, recurrence, weekdays, every, until, start_time, end_time in ranges:
        for day in occurrence_dates(first_day, recurrence, weekdays, every, until, start, end):
            open_times[agent_id].append(
                (local_seconds(day, start_time), local_seconds(day, end_time))
            )

    low_s = int(low.timestamp())
    high_s = int(high.timestamp()) if high else None
    starts: dict[int, list[int]] = defaultdict(list)
    for agent_id, intervals in open_times.items():
        intervals.sort()
        for free_start, free_end in _subtract(intervals, sorted(busy.get(agent_id, ()))):
            first = -(-free_start // STEP) * STEP
            if first < low_s:  # skip whole slots, keeping the tiling from the range start
                first += -(-(low_s - first) // duration) * duration
            last = free_end - duration
            if high_s is not None:
                last = min(last, high_s)
            for second in range(first, last + 1, duration):
                starts[second].append(agent_id)
    return [
        Slot(
            starts_at=datetime.fromtimestamp(second, UTC),
            ends_at=datetime.fromtimestamp(second + duration, UTC),
            agent_ids=tuple(sorted(agents)),
        )
        for second, agents in sorted(starts.items())
    ]


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
