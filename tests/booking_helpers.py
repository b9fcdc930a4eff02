"""Shared set-up for the availability, slot search and booking tests."""

from datetime import date, datetime, time

from rdvs.slots import PARIS
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
