from datetime import date, time, timedelta

import pytest
import time_machine

from availability.slots import PARIS, find_slots
from motifs.eligibility import agents_for
from motifs.models import DAY, HOUR, WEEK
from rdvs.models import RdvStatus
from tests.booking_helpers import paris, public_motif, receiving_agent, weekly_range
from tests.factories import (
    AbsenceFactory,
    AgentFactory,
    AgentRoleFactory,
    AvailabilityRangeFactory,
    RdvAgentFactory,
    RdvFactory,
)
from tests.queries import count_queries

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

MONDAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _now():
    # Sunday 1 March 2026, 12:00 in Paris (winter time).
    with time_machine.travel(paris(2026, 3, 1, 12), tick=False):
        yield


@pytest.fixture
def agent(territory, organisation, service):
    return receiving_agent(territory, organisation, service, first_name="Bob")


@pytest.fixture
def motif(territory, organisation, service):
    return public_motif(
        territory, organisation, service, min_booking_delay=30 * 60, max_booking_delay=365 * DAY
    )


def local(slots):
    return [s.starts_at.astimezone(PARIS).strftime("%a %d/%m %H:%M") for s in slots]


def test_weekly_range_gives_slots_of_the_motif_duration_on_the_chosen_days(
    agent, organisation, motif
):
    weekly_range(agent, organisation, motif, MONDAY, [0, 3])  # Mondays and Thursdays
    slots = find_slots(motif, organisation, MONDAY, MONDAY + timedelta(days=6))
    assert local(slots) == [
        f"{day} {hour}"
        for day in ("Mon 02/03", "Thu 05/03")
        for hour in ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30")
    ]
    assert {s.agent_ids for s in slots} == {(agent.pk,)}
    assert slots[0].ends_at - slots[0].starts_at == timedelta(minutes=30)


def test_every_n_weeks_and_until(agent, organisation, motif):
    weekly_range(
        agent,
        organisation,
        motif,
        MONDAY,
        [0],
        every_n_weeks=2,
        until=date(2026, 4, 6),
        end_time=time(9, 30),
    )
    slots = find_slots(motif, organisation, MONDAY, date(2026, 5, 31))
    assert local(slots) == ["Mon 02/03 09:00", "Mon 16/03 09:00", "Mon 30/03 09:00"]


def test_first_week_days_before_the_first_day_are_skipped(agent, organisation, motif):
    weekly_range(agent, organisation, motif, date(2026, 3, 4), [0, 2], end_time=time(9, 30))
    slots = find_slots(motif, organisation, MONDAY, date(2026, 3, 10))
    assert local(slots) == ["Wed 04/03 09:00", "Mon 09/03 09:00"]


def test_wall_clock_hours_hold_across_the_daylight_saving_change(agent, organisation, motif):
    weekly_range(agent, organisation, motif, MONDAY, [0], end_time=time(9, 30))
    # Summer time starts on Sunday 29 March 2026.
    slots = find_slots(motif, organisation, date(2026, 3, 23), date(2026, 3, 30))
    assert local(slots) == ["Mon 23/03 09:00", "Mon 30/03 09:00"]
    assert [s.starts_at.utcoffset() for s in slots] == [timedelta(0), timedelta(0)]
    assert [s.starts_at.hour for s in slots] == [8, 7]  # UTC: 08:00 in winter, 07:00 in summer


def test_the_public_window_bounds_both_ways(agent, organisation, motif):
    motif.min_booking_delay = 2 * HOUR
    motif.max_booking_delay = 1 * WEEK
    weekly_range(agent, organisation, motif, date(2026, 2, 23), [0, 6], end_time=time(18, 0))
    # now: Sunday 1 March 12:00 → window from 14:00 the same day to Sunday 8 March 12:00.
    slots = find_slots(motif, organisation, date(2026, 3, 1), date(2026, 3, 15))
    starts = local(slots)
    assert starts[0] == "Sun 01/03 14:00"  # the minimum delay is honoured
    assert "Sun 01/03 13:30" not in starts
    assert starts[-1] == "Sun 08/03 12:00"  # and the maximum one
    assert "Sun 08/03 12:30" not in starts


def test_agents_booking_for_a_usager_are_not_held_to_the_window(agent, organisation, motif):
    motif.min_booking_delay = 2 * DAY
    motif.max_booking_delay = 1 * WEEK
    weekly_range(agent, organisation, motif, date(2026, 2, 23), [0], end_time=time(9, 30))
    slots = find_slots(motif, organisation, MONDAY, date(2026, 3, 31), public=False)
    assert local(slots) == [
        "Mon 02/03 09:00",
        "Mon 09/03 09:00",
        "Mon 16/03 09:00",
        "Mon 23/03 09:00",
        "Mon 30/03 09:00",
    ]
    # Never in the past, even for agents.
    assert find_slots(motif, organisation, date(2026, 2, 23), date(2026, 2, 23), public=False) == []


def test_rdvs_and_absences_remove_time_and_slots_restart_on_five_minutes(
    territory, agent, organisation, motif
):
    weekly_range(agent, organisation, motif, MONDAY, [0])
    rdv = RdvFactory(
        territory=territory,
        organisation=organisation,
        motif=motif,
        starts_at=paris(2026, 3, 2, 10, 0),
        ends_at=paris(2026, 3, 2, 10, 17),
    )
    RdvAgentFactory(rdv=rdv, agent=agent)
    cancelled = RdvFactory(
        territory=territory,
        organisation=organisation,
        motif=motif,
        starts_at=paris(2026, 3, 2, 9, 0),
        ends_at=paris(2026, 3, 2, 9, 30),
        status=RdvStatus.CANCELLED,
    )
    RdvAgentFactory(rdv=cancelled, agent=agent, holds_time=False)
    AbsenceFactory(
        territory=territory,
        agent=agent,
        starts_at=paris(2026, 3, 2, 11, 30),
        ends_at=paris(2026, 3, 2, 15, 0),
    )
    slots = find_slots(motif, organisation, MONDAY, MONDAY)
    assert local(slots) == [
        "Mon 02/03 09:00",
        "Mon 02/03 09:30",
        "Mon 02/03 10:20",
        "Mon 02/03 10:50",
    ]


def test_an_absence_over_several_days(territory, agent, organisation, motif):
    weekly_range(agent, organisation, motif, MONDAY, [0, 1, 2], end_time=time(9, 30))
    AbsenceFactory(
        territory=territory,
        agent=agent,
        starts_at=paris(2026, 3, 2, 0, 0),
        ends_at=paris(2026, 3, 3, 23, 0),
    )
    assert local(find_slots(motif, organisation, MONDAY, MONDAY + timedelta(days=2))) == [
        "Wed 04/03 09:00"
    ]


def test_several_agents_share_a_start_time(territory, organisation, service, agent, motif):
    other = receiving_agent(territory, organisation, service)
    weekly_range(agent, organisation, motif, MONDAY, [0], end_time=time(9, 30))
    weekly_range(other, organisation, motif, MONDAY, [0], end_time=time(9, 30))
    (slot,) = find_slots(motif, organisation, MONDAY, MONDAY)
    assert slot.agent_ids == tuple(sorted([agent.pk, other.pk]))


def test_ranges_of_agents_who_may_not_take_the_motif_give_nothing(
    territory, organisation, service, motif
):
    no_service = AgentFactory()
    AgentRoleFactory(agent=no_service, organisation=organisation)
    weekly_range(no_service, organisation, motif, MONDAY, [0])
    assert agents_for(motif, organisation).count() == 0
    assert find_slots(motif, organisation, MONDAY, MONDAY) == []


def test_a_range_without_the_motif_gives_nothing(territory, organisation, service, agent, motif):
    other_motif = public_motif(territory, organisation, service)
    weekly_range(agent, organisation, other_motif, MONDAY, [0])
    assert find_slots(motif, organisation, MONDAY, MONDAY) == []


def test_a_one_off_range(territory, organisation, agent, motif):
    AvailabilityRangeFactory(
        territory=territory,
        organisation=organisation,
        agent=agent,
        motifs=[motif],
        first_day=date(2026, 3, 3),
        start_time=time(14, 0),
        end_time=time(15, 0),
    )
    slots = find_slots(motif, organisation, MONDAY, date(2026, 3, 31))
    assert local(slots) == ["Tue 03/03 14:00", "Tue 03/03 14:30"]


def test_query_count_does_not_grow_with_days_or_ranges(
    territory, organisation, service, agent, motif
):
    weekly_range(agent, organisation, motif, MONDAY, [0])
    few = count_queries(lambda: find_slots(motif, organisation, MONDAY, MONDAY + timedelta(6)))
    for _ in range(20):
        other = receiving_agent(territory, organisation, service)
        weekly_range(other, organisation, motif, MONDAY, [0, 1, 2, 3, 4])
        AbsenceFactory(territory=territory, agent=other)
    many = count_queries(lambda: find_slots(motif, organisation, MONDAY, date(2026, 6, 30)))
    assert few == many <= 4
