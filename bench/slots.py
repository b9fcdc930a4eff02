"""Slot search speed: 1,000 agents (`--agents`) with weekly ranges over a year, a 3-month
search for one motif, and the public slot page's week. Prints milliseconds, the query
count, a floor measured in the same run and pass/fail.

    make bench BENCH=slots
    make bench BENCH=slots BENCH_ARGS="--agents 100"

Goals (issue 13): the 3-month search at 1,000 agents in at most 100 ms, and at most 3×
the floor measured in the same run. The floor is what
any slot search pays before computing anything: the same three queries (ranges, RDVs,
absences of the window) with their rows read. On a loaded machine both grow together,
so the ratio says whether the computation, not the machine, is slow.

Builds its data in a database of its own (bench_slots, created then dropped on the
same server): development data is never touched.
"""

from __future__ import annotations

import argparse
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
from availability.slots import PARIS, SlotFinder, booking_window, find_slots
from bench.pages import insert_series
from booking.weeks import week_to_show
from motifs.models import Motif
from rdvs.models import Rdv, RdvAgent
from territories.models import (
    AgentRole,
    AgentService,
    Organisation,
    Service,
    Territory,
    TerritoryService,
)

RUNS = 7
GOAL_MS = 100
# The search may cost at most this many times reading its rows: the goal that holds on a
# loaded machine, where the floor grows too.
GOAL_RATIO = 3
WEEKS_OF_RDVS = 13
RDVS_A_WEEK = ((1, 10), (3, 15))  # (weekday, hour): Tuesday 10:00, Thursday 15:00


def build(agent_count: int):
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
        for n in range(agent_count)
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
    # Two RDVs a week per agent over the searched months (written in SQL: 26,000 RDVs
    # through the write API would take longer than the measure), and a week off each.
    per_agent = WEEKS_OF_RDVS * len(RDVS_A_WEEK)
    k = f"((g - 1) % {per_agent})"
    (day_a, hour_a), (day_b, hour_b) = RDVS_A_WEEK
    starts = (
        "((date_trunc('week', now() AT TIME ZONE 'Europe/Paris')"
        f" + ((1 + {k} / 2) * 7 + CASE WHEN {k} % 2 = 0 THEN {day_a} ELSE {day_b} END)"
        " * interval '1 day'"
        f" + CASE WHEN {k} % 2 = 0 THEN {hour_a} ELSE {hour_b} END * interval '1 hour')"
        " AT TIME ZONE 'Europe/Paris')"
    )
    count = agent_count * per_agent
    insert_series(
        Rdv,
        count,
        {
            "territory_id": str(territory.pk),
            "organisation_id": str(organisation.pk),
            "motif_id": str(motif.pk),
            "starts_at": starts,
            "ends_at": f"{starts} + interval '30 minutes'",
        },
        step="RDV",
    )
    first_rdv = Rdv.objects.filter(territory=territory).order_by("pk")[0].pk
    first_agent = agents[0].pk
    insert_series(
        RdvAgent,
        count,
        {
            "rdv_id": f"{first_rdv} + g - 1",
            "agent_id": f"{first_agent} + (g - 1) / {per_agent}",
            "starts_at": starts,
            "ends_at": f"{starts} + interval '30 minutes'",
            "holds_time": "true",
        },
        step="agents des RDV",
    )
    monday = today - timedelta(days=today.weekday())
    absences = []
    for index, agent in enumerate(agents):
        away = timezone.make_aware(
            timezone.datetime.combine(monday + timedelta(weeks=2 + index % 10), clock(0))
        )
        absences.append(
            Absence(
                territory=territory, agent=agent, starts_at=away, ends_at=away + timedelta(days=5)
            )
        )
    Absence.objects.bulk_create(absences)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return territory, organisation, motif


def timed(function, runs: int = RUNS) -> tuple[list[float], object, int]:
    timings, result, queries = [], None, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            result = function()
            timings.append((time.perf_counter() - began) * 1000)
        queries = len(captured)
    return timings, result, queries


def floor(organisation, motif, start, end) -> None:
    """The three queries of the search, rows read, nothing computed."""
    finder = SlotFinder(motif, organisation, start, end)
    span_start, span_end = finder.span_bounds(start, end)
    list(finder.ranges)
    for query in finder.busy_queries(span_start, span_end):
        list(query)


def measure(territory, organisation, motif, agent_count: int) -> bool:
    start = timezone.localdate()
    end = start + timedelta(days=91)
    # Building the data filled the query log past its cap: count from an empty one.
    reset_queries()
    with scope(territory=territory):
        floor_ms, _, _ = timed(lambda: floor(organisation, motif, start, end))
        search_ms, slots, queries = timed(
            lambda: find_slots(motif, organisation, start, end, public=True)
        )
        _low, high = booking_window(motif)
        last = timezone.localtime(high, PARIS).date()
        week_ms, week, week_queries = timed(
            lambda: week_to_show(SlotFinder(motif, organisation, start, last), None, start)
        )
    floor_median = statistics.median(floor_ms)
    median = statistics.median(search_ms)
    ratio = median / floor_median if floor_median else float("inf")
    passed = median <= GOAL_MS and ratio <= GOAL_RATIO
    print(
        f"recherche de créneaux, {agent_count} agents, plages hebdomadaires sur un an, "
        f"3 mois : {len(slots)} créneaux distincts, {queries} requêtes"
    )
    print(
        f"  médiane {median:.1f} ms (première {search_ms[0]:.1f}, meilleure "
        f"{min(search_ms):.1f}) sur {RUNS} essais"
    )
    print(
        f"  plancher (les 3 requêtes seules, lignes lues) : médiane {floor_median:.1f} ms ; "
        f"rapport {ratio:.1f}×"
    )
    print(
        f"  page publique (une semaine et la suivante disponible) : médiane "
        f"{statistics.median(week_ms):.1f} ms, {week_queries} requêtes, "
        f"{sum(len(s) for _, s in week.days)} créneaux affichés"
    )
    verdict = (
        "RÉUSSI" if median <= GOAL_MS else "ÉCHEC",
        "RÉUSSI" if ratio <= GOAL_RATIO else "ÉCHEC",
    )
    print(f"  objectif ≤ {GOAL_MS} ms : {verdict[0]} ; ≤ {GOAL_RATIO}× le plancher : {verdict[1]}")
    return passed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench BENCH=slots")
    parser.add_argument("--agents", type=int, default=1000)
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = "bench_slots"
    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with scopes_disabled():
            territory, organisation, motif = build(args.agents)
        passed = measure(territory, organisation, motif, args.agents)
    finally:
        creation.destroy_test_db(original_name, verbosity=0)
    return 0 if passed else 1
