"""One record per person: online booking finds the person's record on strong evidence
only, probable duplicates are flagged and listed for agents, and a merge keeps one
record with everything the other held."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from booking.services import book_online
from rdvs.models import Rdv
from territories.errors import ServiceError
from territories.models import AuditEntry
from tests.booking_helpers import paris, public_motif, receiving_agent, weekly_range
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    CustomFieldFactory,
    OrganisationFactory,
    RdvFactory,
    UserRecordFactory,
)
from tests.queries import assert_flat_query_count
from user_records import services
from user_records.duplicates import flag_duplicates, namesakes, same_person
from user_records.lifecycle_views import visible_pairs
from user_records.models import DuplicatePair, UserRecord
from webhooks.models import Event

pytestmark = pytest.mark.usefixtures("in_territory")

BIRTH = date(1990, 5, 14)


def person(territory, **fields):
    values = {
        "first_name": "Hélène",
        "last_name": "Durand",
        "birth_date": BIRTH,
        "email": "helene@exemple.fr",
        "phone": "+33612345678",
        **fields,
    }
    organisations = values.pop("organisations", None)
    return UserRecordFactory(territory=territory, organisations=organisations, **values)


# --- finding the same person (online booking) ---


def test_strong_evidence_finds_the_record_accents_and_case_ignored(territory):
    known = person(territory)
    details = {
        "first_name": "HELENE",
        "last_name": "durand",
        "birth_date": BIRTH,
        "email": "Helene@Exemple.fr",
        "phone": "",
    }
    assert same_person(territory, details) == known
    # The phone alone (typed another way) is evidence enough with names and birth date.
    by_phone = {**details, "email": "autre@exemple.fr", "phone": "06 12 34 56 78"}
    assert same_person(territory, by_phone) == known


@pytest.mark.parametrize(
    "weak",
    [
        {"birth_date": date(2015, 1, 1)},  # a child booked with a parent's e-mail
        {"birth_date": None},  # no birth date: no strong evidence
        {"first_name": "Hugo"},  # same family e-mail, another person
        {"email": "autre@exemple.fr", "phone": ""},  # names and birth date only
    ],
)
def test_weak_evidence_never_finds_a_record(territory, weak):
    person(territory)
    details = {
        "first_name": "Hélène",
        "last_name": "Durand",
        "birth_date": BIRTH,
        "email": "helene@exemple.fr",
        "phone": "",
        **weak,
    }
    assert same_person(territory, details) is None


def test_another_territorys_record_is_never_found(territory, other_territory):
    from django_scopes import scope

    with scope(territory=other_territory):
        person(other_territory)
        assert same_person(territory, {"first_name": "Hélène", "last_name": "Durand"}) is None
    assert (
        same_person(
            territory,
            {
                "first_name": "Hélène",
                "last_name": "Durand",
                "birth_date": BIRTH,
                "email": "helene@exemple.fr",
            },
        )
        is None
    )


@pytest.fixture
def bookable(territory, organisation, service):
    agent = receiving_agent(territory, organisation, service)
    motif = public_motif(territory, organisation, service, max_booking_delay=60 * 24 * 3600)
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    weekly_range(agent, organisation, motif, monday, [0, 1, 2, 3, 4])
    return motif, monday


def _book(organisation, motif, day, hour, **fields):
    details = {
        "first_name": "Hélène",
        "last_name": "Durand",
        "birth_date": BIRTH,
        "email": "helene@exemple.fr",
        **fields,
    }
    return book_online(
        organisation,
        motif=motif,
        starts_at=paris(day.year, day.month, day.day, hour),
        user_record=UserRecord(**details),
    )


def test_booking_twice_with_the_same_details_keeps_one_record(organisation, bookable):
    motif, monday = bookable
    first = _book(organisation, motif, monday, 9)
    second = _book(organisation, motif, monday, 10, first_name="helene", email="HELENE@exemple.fr")
    assert UserRecord.objects.count() == 1
    assert list(second.user_records.all()) == list(first.user_records.all())
    assert Event.objects.filter(type="user_record.created").count() == 1


def test_a_booking_on_weak_evidence_creates_a_record_and_flags_the_pair(organisation, bookable):
    motif, monday = bookable
    stranger = _book(organisation, motif, monday, 9)
    rdv = _book(organisation, motif, monday, 10, birth_date=date(2015, 1, 1))
    record = rdv.user_records.get()
    assert record != stranger.user_records.get()
    assert UserRecord.objects.count() == 2
    pair = DuplicatePair.objects.get()
    assert (pair.first, pair.second, pair.reason) == (
        stranger.user_records.get(),
        record,
        "email",
    )


def test_the_booking_form_asks_the_birth_date(client, territory, organisation, bookable):
    motif, monday = bookable
    when = paris(monday.year, monday.month, monday.day, 9)
    details = (
        reverse("booking:details", args=[organisation.pk, motif.pk])
        + f"?debut={int(when.timestamp())}"
    )
    page = client.get(details).content.decode()
    assert 'name="birth_date"' in page


# --- flagging duplicates ---


def test_probable_duplicates_are_flagged_when_a_record_is_written(territory, admin_agent):
    first = person(territory)
    second = services.create_user_record(
        territory,
        {"first_name": "Helene", "last_name": "DURAND", "email": "", "birth_date": BIRTH},
        {},
        acting_agent=admin_agent,
    )
    unrelated = services.create_user_record(
        territory, {"first_name": "Hélène", "last_name": "Durand"}, {}, acting_agent=admin_agent
    )
    pair = DuplicatePair.objects.get()
    assert (pair.first, pair.second, pair.reason) == (first, second, "birth_date")
    # An edit that gives the third the same phone makes it a probable duplicate too.
    services.update_user_record(unrelated, {"phone": "+33612345678"}, {}, acting_agent=admin_agent)
    assert DuplicatePair.objects.filter(second=unrelated, reason="phone").count() == 1


def test_the_identity_index_serves_the_search_for_namesakes(territory):
    UserRecord.objects.bulk_create(
        UserRecord(territory=territory, first_name=f"Prénom{n}", last_name=f"Nom{n % 500}")
        for n in range(5000)
    )
    person(territory)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE user_records_userrecord")
        plan = namesakes(territory, "Hélène", "Durand").explain()
    assert "user_record_identity" in plan


def test_the_duplicates_list_reads_its_index(territory, admin_agent):
    pair = DuplicatePair.objects.create(
        territory=territory, first=person(territory), second=person(territory), reason="email"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = visible_pairs(admin_agent, territory).order_by("-pk")[:26].explain()
    assert "duplicate_pair_open" in plan
    assert pair in visible_pairs(admin_agent, territory)


# --- the screen ---


def _list_url(territory):
    return reverse("user_records:duplicate_list", args=[territory.pk])


def test_the_screen_lists_pairs_an_agent_sees_with_a_flat_query_count(
    client, territory, organisation, basic_agent
):
    elsewhere = OrganisationFactory(territory=territory, name="Romans")
    seen = person(territory, organisations=[organisation])
    seen_twin = person(territory, organisations=[organisation])
    hidden = person(territory, first_name="Zoé", organisations=[elsewhere])
    hidden_twin = person(territory, first_name="Zoé", organisations=[elsewhere])
    for record in (seen_twin, hidden_twin):
        flag_duplicates(record)
    client.force_login(basic_agent)
    page = client.get(_list_url(territory)).content.decode()
    assert f"n° {seen.pk}" in page and f"n° {seen_twin.pk}" in page
    assert f"n° {hidden.pk}" not in page

    def grow():
        for index in range(30):
            twins = [person(territory, first_name=f"Léa{index}", organisations=[organisation])]
            twins.append(person(territory, first_name=f"Léa{index}", organisations=[organisation]))
            flag_duplicates(twins[1])

    assert_flat_query_count(lambda: client.get(_list_url(territory)), grow)
    first_page = client.get(_list_url(territory))
    assert first_page.context["next_after"] is not None
    second_page = client.get(_list_url(territory) + f"?apres={first_page.context['next_after']}")
    shown = {pair.pk for pair in first_page.context["pairs"]}
    assert shown.isdisjoint(pair.pk for pair in second_page.context["pairs"])
    assert len(shown) + len(second_page.context["pairs"]) == 31


def _pair(territory, organisation, **second_fields):
    first = person(territory, organisations=[organisation], notes="Suivi RSA")
    second = person(territory, organisations=[organisation], phone="+33699999999", **second_fields)
    flag_duplicates(second)
    return DuplicatePair.objects.get(first=first, second=second)


def test_a_merge_is_confirmed_then_keeps_one_record_with_everything(
    client, territory, organisation, admin_agent
):
    field = CustomFieldFactory(territory=territory, label="Quartier")
    pair = _pair(territory, organisation, custom_values={field.key: "Centre"})
    kept, merged = pair.first, pair.second
    rdv = RdvFactory(territory=territory, organisation=organisation)
    rdv.user_records.set([merged])
    both = RdvFactory(territory=territory, organisation=organisation)
    both.user_records.set([kept, merged])
    services.update_user_record(merged, {"case_number": "D-12"}, {}, acting_agent=admin_agent)
    client.force_login(admin_agent)
    url = reverse("user_records:duplicate_merge", args=[territory.pk, pair.pk])
    choice = {"kept": "first", "field_phone": "second"}

    confirm = client.post(url, choice)
    assert confirm.status_code == 200
    assert "Confirmer la fusion" in confirm.content.decode()
    assert UserRecord.objects.count() == 2  # nothing merged before the confirmation

    done = client.post(url, {**choice, "confirmed": "1"})
    assert done.status_code == 302
    survivor = UserRecord.objects.get()
    assert survivor.pk == kept.pk
    assert survivor.phone == "+33699999999"  # chosen from the other record
    assert survivor.notes == "Suivi RSA"  # kept's own value
    assert survivor.case_number == "D-12"  # empty on kept: taken from the other
    assert survivor.custom_values == {field.key: "Centre"}
    assert set(Rdv.objects.filter(user_records=survivor)) == {rdv, both}
    assert both.user_records.count() == 1
    assert not DuplicatePair.objects.exists()
    # The merged record's history is the survivor's now.
    history = AuditEntry.objects.filter(object_id=str(kept.pk), action="user_record.updated")
    assert history.count() == 2
    deleted = Event.objects.get(type="user_record.deleted")
    assert deleted.payload["id"] == merged.pk
    assert deleted.payload["merged_into_id"] == kept.pk
    assert "email" not in deleted.payload
    updated = Event.objects.filter(type="user_record.updated").latest("pk")
    assert updated.payload["id"] == kept.pk and updated.payload["phone"] == "+33699999999"


def test_merging_records_of_an_organisation_the_agent_does_not_work_in_is_refused(
    client, territory, organisation, basic_agent
):
    elsewhere = OrganisationFactory(territory=territory, name="Romans")
    pair = _pair(territory, organisation)
    pair.second.organisations.add(elsewhere)
    with pytest.raises(ServiceError):
        services.merge_user_records(pair.first, pair.second, {}, acting_agent=basic_agent)
    client.force_login(basic_agent)
    url = reverse("user_records:duplicate_merge", args=[territory.pk, pair.pk])
    page = client.get(url).content.decode()
    assert "Vérifier la fusion" not in page
    response = client.post(url, {"kept": "first", "confirmed": "1"}, follow=True)
    assert "organisation où vous ne travaillez pas" in response.content.decode()
    assert UserRecord.objects.count() == 2


def test_a_pair_with_a_record_the_agent_cannot_see_is_not_found(client, territory, organisation):
    elsewhere = OrganisationFactory(territory=territory, name="Romans")
    agent = AgentFactory()
    AgentRoleFactory(agent=agent, organisation=elsewhere)
    pair = _pair(territory, organisation)
    client.force_login(agent)
    url = reverse("user_records:duplicate_merge", args=[territory.pk, pair.pk])
    assert client.get(url).status_code == 404


def test_a_pair_dismissed_leaves_the_screen_and_is_not_flagged_again(
    client, territory, organisation, basic_agent
):
    pair = _pair(territory, organisation)
    client.force_login(basic_agent)
    client.post(reverse("user_records:duplicate_dismiss", args=[territory.pk, pair.pk]))
    assert list(client.get(_list_url(territory)).context["pairs"]) == []
    flag_duplicates(pair.second)
    assert DuplicatePair.objects.get().dismissed_at is not None
    assert AuditEntry.objects.filter(action="duplicate_pair.dismissed").count() == 1
