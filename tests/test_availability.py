import threading
from datetime import date, time, timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from availability.models import Absence, AvailabilityRange
from availability.services import save_availability_range
from territories.models import AuditEntry
from tests.booking_helpers import public_motif, race, receiving_agent, weekly_range
from tests.factories import (
    AbsenceFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    MotifFactory,
    OrganisationFactory,
    ServiceFactory,
    TerritoryServiceFactory,
)
from tests.queries import assert_flat_query_count
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

MONDAY = date(2030, 3, 4)


@pytest.fixture
def motif(territory, organisation, service):
    return public_motif(territory, organisation, service, name="Accompagnement RSA")


@pytest.fixture
def bob(basic_agent, territory, service):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    return basic_agent


def range_data(organisation, motifs, **overrides):
    data = {
        "organisation": organisation.pk,
        "title": "Permanence",
        "motifs": [m.pk for m in motifs],
        "first_day": "2030-03-04",
        "start_time": "09:00",
        "end_time": "12:00",
        "recurrence": "weekly",
        "weekdays": ["0", "3"],
        "every_n_weeks": "1",
        "until": "",
    }
    data.update(overrides)
    return data


def create_url(territory):
    return reverse("availability:availability_range_create", kwargs={"territory_pk": territory.pk})


def test_agent_creates_a_weekly_range_for_themselves(client, territory, organisation, bob, motif):
    client.force_login(bob)
    response = client.post(create_url(territory), range_data(organisation, [motif]))
    assert response.status_code == 302
    created = AvailabilityRange.objects.get()
    assert (created.agent, created.organisation, created.weekdays) == (bob, organisation, [0, 3])
    assert list(created.motifs.all()) == [motif]
    assert Event.objects.filter(type="availability_range.created").count() == 1
    assert AuditEntry.objects.filter(action="availability_range.created", actor=bob).exists()
    page = client.get(
        reverse("availability:availability_range_list", kwargs={"territory_pk": territory.pk})
    )
    assert "Accompagnement RSA" in page.content.decode()


def test_admin_creates_a_range_for_another_agent(admin_client, territory, organisation, bob, motif):
    response = admin_client.post(
        create_url(territory), {**range_data(organisation, [motif]), "agent": bob.pk}
    )
    assert response.status_code == 302
    assert AvailabilityRange.objects.get().agent == bob


def test_end_before_start_is_refused(client, territory, organisation, bob, motif):
    client.force_login(bob)
    response = client.post(
        create_url(territory),
        range_data(organisation, [motif], start_time="14:00", end_time="9:00"),
    )
    assert "L&#x27;heure de fin doit être après l&#x27;heure de début." in response.content.decode()
    assert not AvailabilityRange.objects.exists()


def test_a_motif_the_agent_may_not_use_is_neither_offered_nor_accepted(
    client, territory, organisation, bob, motif
):
    other_service = ServiceFactory(name="PMI")
    TerritoryServiceFactory(territory=territory, service=other_service)
    foreign = MotifFactory(
        territory=territory, service=other_service, organisations=[organisation], name="Vaccins"
    )
    elsewhere = MotifFactory(
        territory=territory,
        service=motif.service,
        organisations=[OrganisationFactory(territory=territory)],
        name="Ailleurs",
    )
    client.force_login(bob)
    offered = client.get(create_url(territory)).content.decode()
    assert "Accompagnement RSA" in offered
    assert "Vaccins" not in offered and "Ailleurs" not in offered
    for refused in (foreign, elsewhere):
        response = client.post(create_url(territory), range_data(organisation, [motif, refused]))
        assert "Cet agent ne peut pas proposer ce motif ici" in response.content.decode()
    assert not AvailabilityRange.objects.exists()


def test_a_motif_of_another_territory_is_not_a_choice(
    client, territory, organisation, bob, other_territory
):
    foreign = MotifFactory(territory=other_territory)
    client.force_login(bob)
    response = client.post(create_url(territory), range_data(organisation, [foreign]))
    assert response.status_code == 200
    assert not AvailabilityRange.objects.exists()


@pytest.mark.parametrize(
    ("existing", "candidate", "overlaps"),
    [
        # weekly Mondays vs a one-off Monday later on: overlap
        ({"weekdays": [0]}, {"recurrence": "once", "first_day": "2030-03-18"}, True),
        # same days, back to back hours: no overlap
        ({"weekdays": [0]}, {"weekdays": ["0"], "start_time": "12:00", "end_time": "13:00"}, False),
        # other weekdays: no overlap
        ({"weekdays": [0]}, {"weekdays": ["1", "2"]}, False),
        # every other week, alternating phases: no overlap
        (
            {"weekdays": [0], "every_n_weeks": 2},
            {"weekdays": ["0"], "every_n_weeks": "2", "first_day": "2030-03-11"},
            False,
        ),
        # every other week vs every week: overlap
        (
            {"weekdays": [0], "every_n_weeks": 2},
            {"weekdays": ["0"], "first_day": "2030-03-11"},
            True,
        ),
        # the existing one ended before: no overlap
        ({"weekdays": [0], "until": date(2030, 3, 10)}, {"first_day": "2030-03-11"}, False),
    ],
)
def test_overlapping_ranges_of_one_agent_in_one_organisation_are_refused(
    client, territory, organisation, bob, motif, existing, candidate, overlaps
):
    weekly_range(bob, organisation, motif, MONDAY, **existing)
    client.force_login(bob)
    response = client.post(create_url(territory), range_data(organisation, [motif], **candidate))
    refused = "Cette plage chevauche une autre plage" in response.content.decode()
    assert refused == overlaps
    assert AvailabilityRange.objects.count() == (1 if overlaps else 2)


def test_the_same_hours_in_another_organisation_are_fine(
    client, territory, organisation, service, bob, motif
):
    second = OrganisationFactory(territory=territory)
    motif.organisations.add(second)
    AgentRoleFactory(agent=bob, organisation=second)
    weekly_range(bob, organisation, motif, MONDAY, [0, 3])
    client.force_login(bob)
    response = client.post(create_url(territory), range_data(second, [motif]))
    assert response.status_code == 302


def test_editing_a_range_does_not_clash_with_itself(client, territory, organisation, bob, motif):
    existing = weekly_range(bob, organisation, motif, MONDAY, [0, 3])
    client.force_login(bob)
    url = reverse(
        "availability:availability_range_update",
        kwargs={"territory_pk": territory.pk, "availability_range_pk": existing.pk},
    )
    response = client.post(url, range_data(organisation, [motif], end_time="11:00"))
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.end_time == time(11, 0)


def test_agents_cannot_touch_each_others_ranges_but_admins_can(
    client, admin_agent, territory, organisation, service, bob, motif
):
    carol = receiving_agent(territory, organisation, service)
    hers = weekly_range(carol, organisation, motif, MONDAY, [0])
    kwargs = {"territory_pk": territory.pk, "availability_range_pk": hers.pk}
    client.force_login(bob)
    assert (
        client.get(reverse("availability:availability_range_update", kwargs=kwargs)).status_code
        == 404
    )
    assert (
        client.post(reverse("availability:availability_range_delete", kwargs=kwargs)).status_code
        == 404
    )
    client.force_login(admin_agent)
    confirm = client.get(reverse("availability:availability_range_delete", kwargs=kwargs))
    assert "Êtes-vous sûr" in confirm.content.decode()
    assert (
        client.post(reverse("availability:availability_range_delete", kwargs=kwargs)).status_code
        == 302
    )
    assert not AvailabilityRange.objects.exists()
    assert Event.objects.filter(type="availability_range.deleted").count() == 1


def test_absences_are_created_and_refused_when_ending_before_start(client, territory, bob):
    client.force_login(bob)
    url = reverse("availability:absence_create", kwargs={"territory_pk": territory.pk})
    refused = client.post(
        url, {"title": "Formation", "starts_at": "2030-03-04T14:00", "ends_at": "2030-03-04T09:00"}
    )
    assert "La fin de l&#x27;absence doit être après son début." in refused.content.decode()
    response = client.post(
        url, {"title": "Formation", "starts_at": "2030-03-04T09:00", "ends_at": "2030-03-05T18:00"}
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert absence.agent == bob
    listing = client.get(
        reverse("availability:absence_list", kwargs={"territory_pk": territory.pk})
    )
    assert "Formation" in listing.content.decode()


def test_an_agent_sees_only_their_own_absences(client, territory, organisation, service, bob):
    carol = receiving_agent(territory, organisation, service)
    AbsenceFactory(territory=territory, agent=carol, title="Congés de Carol")
    client.force_login(bob)
    listing = client.get(
        reverse("availability:absence_list", kwargs={"territory_pk": territory.pk})
    )
    assert "Congés de Carol" not in listing.content.decode()


def test_range_list_query_count_is_flat(client, territory, organisation, service, bob, motif):
    client.force_login(bob)
    url = reverse("availability:availability_range_list", kwargs={"territory_pk": territory.pk})
    weekly_range(bob, organisation, motif, MONDAY, [0])

    def grow():
        for week in range(1, 30):
            weekly_range(bob, organisation, motif, date(2031, 1, 6) + timedelta(weeks=week), [0])

    assert_flat_query_count(lambda: client.get(url), grow)


@pytest.mark.parametrize("day", ["9999-12-27", "0001-01-01"])
def test_range_and_absence_dates_beyond_any_calendar_are_french_errors(
    client, territory, organisation, bob, motif, day
):
    """Saved, such a date would break the lists and the slot search of the agent."""
    client.force_login(bob)
    weekly_range(bob, organisation, motif, MONDAY, [0])
    for field in ("first_day", "until"):
        data = range_data(organisation, [motif], **{field: day}, every_n_weeks="3")
        response = client.post(create_url(territory), data)
        assert response.status_code == 200
        assert "Choisissez une date entre 1900 et 2999." in response.content.decode()
    url = reverse("availability:absence_create", kwargs={"territory_pk": territory.pk})
    response = client.post(
        url, {"title": "Formation", "starts_at": f"{day}T00:00", "ends_at": f"{day}T05:00"}
    )
    assert "Choisissez une date entre 1900 et 2999." in response.content.decode()
    assert AvailabilityRange.objects.count() == 1 and not Absence.objects.exists()
    listing = client.get(
        reverse("availability:absence_list", kwargs={"territory_pk": territory.pk})
    )
    assert listing.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_overlapping_saves_for_one_agent_cannot_both_succeed(
    client, territory, organisation, bob, motif
):
    """Two real transactions: the first holds its new range uncommitted while the
    second, whose form found no overlap, saves one on the same Mondays; the database
    makes the second wait for the first, then the second is refused in French."""
    client.force_login(bob)
    first_saved, release_first = threading.Event(), threading.Event()
    responses = []

    def first():
        try:
            with scopes_disabled(), transaction.atomic():
                first_range = AvailabilityRange(
                    territory=territory,
                    organisation=organisation,
                    agent=bob,
                    first_day=MONDAY,
                    start_time=time(9, 0),
                    end_time=time(12, 0),
                    recurrence="weekly",
                    weekdays=[0],
                )
                save_availability_range(first_range, [motif], acting_agent=bob)
                first_saved.set()
                release_first.wait(10)
        finally:
            connection.close()

    def second():
        try:
            first_saved.wait(10)
            data = range_data(organisation, [motif], recurrence="once", first_day="2030-03-18")
            responses.append(client.post(create_url(territory), data))
        finally:
            connection.close()

    race(first, second, first_saved, release_first)
    (response,) = responses
    assert response.status_code == 200
    assert "Cette plage chevauche une autre plage de l&#x27;agent" in response.content.decode()
    assert list(AvailabilityRange.objects.values_list("recurrence", flat=True)) == ["weekly"]
    assert Event.objects.filter(type="availability_range.created").count() == 1
