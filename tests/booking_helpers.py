"""Shared set-up for the availability, slot search and booking tests, and a helper
that runs two really concurrent transactions."""

import threading
import time as wall_clock
from datetime import date, datetime, time

from django.db import connection

from availability.slots import PARIS
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    AvailabilityRangeFactory,
    MotifFactory,
)


def paris(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def receiving_agent(territory, organisation, service, **fields):
    """An agent of the organisation, assigned to the service."""
    agent = AgentFactory(**fields)
    AgentRoleFactory(agent=agent, organisation=organisation)
    AgentServiceFactory(agent=agent, territory=territory, service=service)
    return agent


def public_motif(territory, organisation, service, **fields):
    fields.setdefault("bookable_by_public", True)
    return MotifFactory(
        territory=territory, service=service, organisations=[organisation], **fields
    )


def weekly_range(agent, organisation, motif, first_day: date, weekdays, **fields):
    fields.setdefault("start_time", time(9, 0))
    fields.setdefault("end_time", time(12, 0))
    return AvailabilityRangeFactory(
        territory=organisation.territory,
        organisation=organisation,
        agent=agent,
        motifs=[motif],
        first_day=first_day,
        recurrence="weekly",
        weekdays=weekdays,
        **fields,
    )


def wait_for_a_blocked_transaction() -> bool:
    deadline = wall_clock.monotonic() + 10
    with connection.cursor() as cursor:
        while wall_clock.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            wall_clock.sleep(0.02)
    return False


def race(first, second, first_holds: threading.Event, release_first: threading.Event) -> None:
    """Run two transactions in threads: `first` sets `first_holds` once its write is
    made (uncommitted) and waits for `release_first`; `second` must then be blocked by
    it in PostgreSQL before the first is let go."""
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_holds.wait(10)
    assert wait_for_a_blocked_transaction()  # the second waits on the first's row
    release_first.set()
    for thread in threads:
        thread.join(15)
