"""Slot search speed: 100 agents with weekly ranges over a year, a 3-month search for
one motif. Prints milliseconds and the query count. Target: under 100 ms.

    make bench BENCH=slots

Builds its data in a database of its own (bench_slots, created then dropped on the
same server): development data is never touched.
"""

from __future__ import annotations

import statistics
import time
from datetime import time as clock
from datetime import timedelta

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agents.models import Agent
from availability.models import Absence, AvailabilityRange
from availability.slots import find_slots
from motifs.models import Motif
from rdvs import services
from territories.models import (
    AgentRole,
    AgentService,
    Organisation,
    Service,
    Territory,
    TerritoryService,
)

AGENTS = 100
RUNS = 7


def build():
    territory = Territory.objects.create(name="Banc d'essai")
    organisation = Organisation.objects.create(territory=territory, name="Maison des solidarités")
    service = Service.objects.create(name="Service social")
    TerritoryService.objects.create(territory=territory, service=service)
    motif = Motif.objects.create(
        territory=territory,
        service=service,
        name="Accompagnement",
        default_duration=30,
        bookable_by_public=True,
        min_booking_delay=30 * 60,
        max_booking_delay=90 * 24 * 3600,
    )
    motif.organisations.add(organisation)
    agents = Agent.objects.bulk_create(
        Agent(email=f"agent{n}@banc.fr", first_name="Agent", last_name=str(n))
        for n in range(AGENTS)
    )
    AgentRole.objects.bulk_create(AgentRole(agent=a, organisation=organisation) for a in agents)
    AgentService.objects.bulk_create(
        AgentService(agent=a, territory=territory, service=service) for a in agents
    )
    today = timezone.localdate()
    ranges = AvailabilityRange.objects.bulk_create(
        AvailabilityRange(
            territory=territory,
            organisation=organisation,
            agent=agent,
            first_day=today,
            start_time=start,
            end_time=end,
            recurrence="weekly",
            weekdays=[0, 1, 2, 3, 4],
            until=today + timedelta(days=365),
        )
        for agent in agents
        for start, end in ((clock(9, 0), clock(12, 0)), (clock(13, 30), clock(17, 0)))
    )
    AvailabilityRange.motifs.through.objects.bulk_create(
        AvailabilityRange.motifs.through(availabilityrange=r, motif=motif) for r in ranges
    )
    # Two RDVs a week per agent over the searched months, and a week off each.
    monday = today - timedelta(days=today.weekday())
    for index, agent in enumerate(agents):
        for week in range(1, 14):
            for day, hour in ((1, 10), (3, 15)):
                starts_at = timezone.make_aware(
                    timezone.datetime.combine(monday + timedelta(weeks=week, days=day), clock(hour))
                )
                services.book(
                    organisation,
                    motif=motif,
                    user_records=[],
                    agents=[agent],
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=30),
                    acting_agent=None,
                )
        away = timezone.make_aware(
            timezone.datetime.combine(monday + timedelta(weeks=2 + index % 10), clock(0))
        )
        Absence.objects.create(
            territory=territory, agent=agent, starts_at=away, ends_at=away + timedelta(days=5)
        )
    return territory, organisation, motif


def measure(territory, organisation, motif) -> None:
    start = timezone.localdate()
    end = start + timedelta(days=91)
    timings = []
    # Building the data filled the query log past its cap: count from an empty one.
    reset_queries()
    with scope(territory=territory):
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                slots = find_slots(motif, organisation, start, end, public=True)
                timings.append((time.perf_counter() - began) * 1000)
    print(
        f"slot search, {AGENTS} agents, weekly ranges for a year, 3-month search: "
        f"{len(slots)} distinct slots, median {statistics.median(timings):.1f} ms "
        f"(first {timings[0]:.1f} ms, best {min(timings):.1f} ms) over {RUNS} runs, "
        f"{len(queries)} queries"
    )


def main(argv: list[str]) -> int:
    connection.settings_dict["TEST"]["NAME"] = "bench_slots"
    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with scopes_disabled():
            territory, organisation, motif = build()
        measure(territory, organisation, motif)
    finally:
        creation.destroy_test_db(original_name, verbosity=0)
    return 0
