import re
import threading
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from booking import tasks
from booking.services import SlotUnavailable, book_online, cancel_online, move_online
from config import sms
from motifs.models import DAY, HOUR
from rdvs.models import Rdv, RdvAgent, RdvStatus
from rdvs.tokens import rdv_token
from territories.errors import ServiceError
from territories.models import TerritoryService
from tests.booking_helpers import paris, public_motif, race, receiving_agent, weekly_range
from tests.factories import (
    AbsenceFactory,
    CustomFieldFactory,
    MotifFactory,
    RdvSettingsFactory,
    UserRecordFactory,
    UserRecordSettingsFactory,
)
from user_records.models import UserRecord
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

NOW = paris(2026, 3, 2, 8, 0)  # Monday 2 March 2026, 8:00 in Paris
MONDAY = date(2026, 3, 2)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent(territory, organisation, service):
    return receiving_agent(
        territory, organisation, service, first_name="Bob", email="bob.agent@exemple.fr"
    )


@pytest.fixture
def motif(territory, organisation, service):
    return public_motif(
        territory,
        organisation,
        service,
        name="Accompagnement RSA",
        min_booking_delay=2 * HOUR,
        max_booking_delay=14 * DAY,
        public_can_move=True,
        instructions_before="Apportez votre <b>avis d'imposition</b>.",
        instructions_after="Voir https://exemple.fr/rsa\nMerci d'arriver 5 minutes en avance.",
    )


@pytest.fixture
def open_range(agent, organisation, motif):
    return weekly_range(agent, organisation, motif, MONDAY, [0, 1, 2, 3, 4])


def url(name, *args):
    return reverse(f"booking:{name}", args=args)


def slot_param(when) -> str:
    return str(int(when.timestamp()))


def acknowledge(client, organisation, motif):
    return client.post(url("instructions", organisation.pk, motif.pk), {"acknowledged": "on"})


DETAILS = {
    "first_name": "Camille",
    "last_name": "Durand",
    "email": "camille@exemple.fr",
    "phone": "06 12 34 56 78",
    "consent": "on",
}


def test_motif_list_shows_only_motifs_open_to_usagers(client, territory, organisation, service):
    public_motif(territory, organisation, service, name="Ouvert", default_duration=45)
    public_motif(territory, organisation, service, name="Fermé", bookable_by_public=False)
    public_motif(territory, organisation, service, name="Archivé", archived_at=timezone.now())
    content = client.get(url("motif_list", organisation.pk)).content.decode()
    assert "Ouvert" in content and "Sur place" in content and "45 minutes" in content
    assert "Fermé" not in content and "Archivé" not in content


def test_motifs_of_a_deactivated_service_vanish(client, territory, organisation, service, motif):
    TerritoryService.objects.filter(territory=territory, service=service).update(is_active=False)
    assert (
        "Accompagnement RSA" not in client.get(url("motif_list", organisation.pk)).content.decode()
    )
    assert client.get(url("slots", organisation.pk, motif.pk)).status_code == 404


def test_before_instruction_must_be_acknowledged_before_any_slot(
    client, frozen, organisation, motif, open_range
):
    slots_url = url("slots", organisation.pk, motif.pk)
    response = client.get(slots_url)
    assert response.status_code == 302
    assert response["Location"] == url("instructions", organisation.pk, motif.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Apportez votre &lt;b&gt;avis d&#x27;imposition&lt;/b&gt;." in page  # no HTML
    refused = client.post(url("instructions", organisation.pk, motif.pk), {})
    assert "Confirmez avoir lu ces informations" in refused.content.decode()
    assert client.get(slots_url).status_code == 302
    assert acknowledge(client, organisation, motif)["Location"] == slots_url
    page = client.get(slots_url).content.decode()
    assert "Lundi 2 mars 2026" in page
    assert f"?debut={slot_param(paris(2026, 3, 2, 10, 0))}" in page  # 8:00 + 2 h minimum delay
    assert f"?debut={slot_param(paris(2026, 3, 2, 9, 30))}" not in page


def test_a_motif_without_before_instruction_goes_straight_to_slots(
    client, frozen, organisation, motif
):
    motif.instructions_before = ""
    motif.save()
    response = client.get(url("instructions", organisation.pk, motif.pk))
    assert response["Location"] == url("slots", organisation.pk, motif.pk)


def test_first_available_day_first_and_next_availability_on_an_empty_week(
    client, frozen, agent, organisation, motif
):
    weekly_range(agent, organisation, motif, date(2026, 3, 12), [3])  # Thursdays from the 12th
    acknowledge(client, organisation, motif)
    slots_url = url("slots", organisation.pk, motif.pk)
    page = client.get(slots_url).content.decode()
    assert "Semaine du 12 mars 2026" in page
    empty = client.get(slots_url + "?semaine=2026-03-02").content.decode()
    assert "Aucun créneau disponible cette semaine." in empty
    assert "Prochaine disponibilité : jeudi 12 mars 2026" in empty


def book(client, organisation, motif, when, **details):
    acknowledge(client, organisation, motif)
    return client.post(
        url("details", organisation.pk, motif.pk) + f"?debut={slot_param(when)}",
        {**DETAILS, **details},
    )


def test_booking_creates_the_rdv_and_shows_the_after_instruction(
    client, frozen, territory, organisation, motif, agent, open_range
):
    when = paris(2026, 3, 3, 9, 30)
    details_page = client.get(
        url("details", organisation.pk, motif.pk) + f"?debut={slot_param(when)}"
    )
    assert details_page.status_code == 302  # not acknowledged yet
    acknowledge(client, organisation, motif)
    page = client.get(url("details", organisation.pk, motif.pk) + f"?debut={slot_param(when)}")
    assert "mardi 3 mars 2026 à 09:30" in page.content.decode()
    response = book(client, organisation, motif, when)
    rdv = Rdv.objects.get()
    assert response["Location"] == url("rdv_detail", rdv_token(rdv))
    assert (rdv.starts_at, rdv.ends_at, rdv.created_by) == (
        when,
        when + timedelta(minutes=30),
        "usager",
    )
    assert list(rdv.agents.all()) == [agent]
    record = UserRecord.objects.get()
    assert (record.territory, record.email, record.phone) == (
        territory,
        "camille@exemple.fr",
        "+33612345678",
    )
    assert list(record.organisations.all()) == [organisation]
    assert Event.objects.filter(type="rdv.created").count() == 1
    confirmation = client.get(response["Location"]).content.decode()
    assert "Votre rendez-vous est confirmé." in confirmation
    assert "Informations supplémentaires" in confirmation
    assert '<a href="https://exemple.fr/rsa" rel="nofollow">https://exemple.fr/rsa</a><br>' in (
        confirmation
    )
    # The slot is gone for the next usager.
    page = client.get(url("slots", organisation.pk, motif.pk)).content.decode()
    assert f"?debut={slot_param(when)}" not in page


def test_details_are_required_with_consent(client, frozen, organisation, motif, open_range):
    response = book(client, organisation, motif, paris(2026, 3, 3, 9, 30), consent="", email="")
    content = response.content.decode()
    assert "Votre accord est nécessaire pour prendre rendez-vous." in content
    assert "Ce champ est obligatoire." in content
    assert not Rdv.objects.exists()


@pytest.mark.parametrize(
    "when",
    [
        paris(2026, 3, 2, 9, 30),  # before now + minimum delay (2 h)
        paris(2026, 3, 17, 9, 0),  # after now + maximum delay (14 days)
        paris(2026, 3, 3, 9, 10),  # not a slot boundary
        paris(2026, 3, 3, 14, 0),  # outside the range
    ],
)
def test_forged_slots_cannot_be_booked(client, frozen, organisation, motif, open_range, when):
    response = book(client, organisation, motif, when)
    assert response["Location"] == url("slots", organisation.pk, motif.pk)
    assert not Rdv.objects.exists()
    assert "n&#x27;est plus disponible" in client.get(response["Location"]).content.decode()


def test_forged_motifs_cannot_be_booked(
    client, frozen, territory, organisation, service, agent, other_territory
):
    closed = public_motif(territory, organisation, service, bookable_by_public=False)
    archived = public_motif(territory, organisation, service, archived_at=timezone.now())
    elsewhere = MotifFactory(territory=other_territory, bookable_by_public=True)
    for motif in (closed, archived):
        weekly_range(agent, organisation, motif, MONDAY, [1])
    for motif in (closed, archived, elsewhere):
        when = paris(2026, 3, 3, 9, 0)
        response = client.post(
            url("details", organisation.pk, motif.pk) + f"?debut={slot_param(when)}", DETAILS
        )
        assert response.status_code == 404
        assert client.get(url("slots", organisation.pk, motif.pk)).status_code == 404
    assert not Rdv.objects.exists()


def booked_rdv(organisation, motif, when, **record):
    return book_online(
        organisation,
        motif=motif,
        starts_at=when,
        user_record=UserRecordFactory.build(
            first_name="Camille", email="camille@exemple.fr", phone="0612345678", **record
        ),
    )


def test_confirmation_mail_and_sms_content(frozen, organisation, motif, agent, open_range):
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    tasks.send_rdv_mail(rdv.pk, "created")
    tasks.send_rdv_sms(rdv.pk, "created")
    (message,) = mail.outbox
    assert message.to == ["camille@exemple.fr"]
    assert message.subject == "RDV confirmé : Accompagnement RSA le 3 mars 2026 à 09:30"
    link = "http://127.0.0.1:8000" + url("rdv_detail", rdv_token(rdv))
    assert "Informations supplémentaires :\nVoir https://exemple.fr/rsa" in message.body
    assert f"Voir, déplacer ou annuler votre rendez-vous : {link}" in message.body
    html = message.alternatives[0][0]
    assert "Informations supplémentaires" in html and f'href="{link}"' in html
    (text,) = sms.outbox()
    assert text.to == "0612345678"
    assert text.text == (
        "RDV Accompagnement RSA confirmé le mardi 3 mars 2026 à 09h30, "
        f"Maison des solidarités de Valence. Infos et annulation : {link}"
    )


def test_confirmation_mail_offers_no_move_when_the_motif_does_not_allow_it(
    frozen, organisation, motif, agent, open_range
):
    motif.public_can_move = False
    motif.save(update_fields=["public_can_move"])
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    tasks.send_rdv_mail(rdv.pk, "created")
    (message,) = mail.outbox
    assert "Voir ou annuler votre rendez-vous" in message.body
    assert "déplacer" not in message.body + message.alternatives[0][0]


def test_no_sms_without_a_phone(frozen, organisation, motif, open_range):
    rdv = book_online(
        organisation,
        motif=motif,
        starts_at=paris(2026, 3, 3, 9, 30),
        user_record=UserRecordFactory.build(phone=""),
    )
    tasks.send_rdv_sms(rdv.pk, "created")
    assert sms.outbox() == []


def test_rdv_page_needs_the_signed_token(client, frozen, organisation, motif, open_range):
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    assert client.get(url("rdv_detail", rdv_token(rdv))).status_code == 200
    assert client.get(url("rdv_detail", f"{rdv.pk}-0000")).status_code == 404
    assert client.get(url("rdv_detail", str(rdv.pk))).status_code == 404


def test_usager_moves_the_rdv_and_the_agent_is_told(
    client, frozen, organisation, motif, agent, open_range
):
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    token = rdv_token(rdv)
    page = client.get(url("rdv_detail", token)).content.decode()
    assert "Déplacer le RDV" in page
    move_page = client.get(url("rdv_move", token)).content.decode()
    assert f"?debut={slot_param(paris(2026, 3, 3, 9, 0))}" in move_page
    assert f"?debut={slot_param(paris(2026, 3, 3, 9, 30))}" not in move_page  # its own time
    new_time = paris(2026, 3, 4, 10, 0)
    confirm = client.get(url("rdv_move_confirm", token) + f"?debut={slot_param(new_time)}")
    assert "mercredi 4 mars 2026 à 10:00" in confirm.content.decode()
    response = client.post(url("rdv_move_confirm", token) + f"?debut={slot_param(new_time)}")
    assert response["Location"] == url("rdv_detail", token)
    rdv.refresh_from_db()
    assert rdv.starts_at == new_time
    assert list(RdvAgent.objects.values_list("agent_id", "starts_at")) == [(agent.pk, new_time)]
    tasks.notify_agents(rdv.pk, "moved")
    (notice,) = mail.outbox
    assert notice.to == ["bob.agent@exemple.fr"]
    assert "a déplacé son rendez-vous en ligne" in notice.body
    assert "mercredi 4 mars 2026 à 10:00" in notice.body


def test_moving_is_refused_when_the_motif_forbids_it_or_outside_the_window(
    client, frozen, organisation, motif, open_range
):
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 2, 10, 30))
    token = rdv_token(rdv)
    # Within the minimum delay (2 h) of the RDV: too late to move it online.
    with time_machine.travel(paris(2026, 3, 2, 8, 45), tick=False):
        assert "Déplacer le RDV" not in client.get(url("rdv_detail", token)).content.decode()
        assert client.get(url("rdv_move", token))["Location"] == url("rdv_detail", token)
    motif.public_can_move = False
    motif.save()
    assert "Déplacer le RDV" not in client.get(url("rdv_detail", token)).content.decode()
    new_time = paris(2026, 3, 4, 10, 0)
    client.post(url("rdv_move_confirm", token) + f"?debut={slot_param(new_time)}")
    with pytest.raises(ServiceError):
        move_online(rdv, new_time)
    rdv.refresh_from_db()
    assert rdv.starts_at == paris(2026, 3, 2, 10, 30)


def test_moving_to_a_slot_outside_the_window_is_refused(
    client, frozen, organisation, motif, open_range
):
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    too_far = paris(2026, 3, 20, 9, 0)
    response = client.post(
        url("rdv_move_confirm", rdv_token(rdv)) + f"?debut={slot_param(too_far)}"
    )
    assert response["Location"] == url("rdv_move", rdv_token(rdv))
    with pytest.raises(SlotUnavailable):
        move_online(rdv, too_far)


def test_usager_cancels_after_confirmation_and_the_slot_is_free_again(
    client, frozen, organisation, motif, agent, open_range
):
    when = paris(2026, 3, 3, 9, 30)
    rdv = booked_rdv(organisation, motif, when)
    token = rdv_token(rdv)
    confirm = client.get(url("rdv_cancel", token)).content.decode()
    assert "Êtes-vous sûr de vouloir annuler ce rendez-vous ?" in confirm
    assert Rdv.objects.get().status == RdvStatus.UNKNOWN
    response = client.post(url("rdv_cancel", token))
    assert response["Location"] == url("rdv_detail", token)
    rdv.refresh_from_db()
    assert rdv.status == RdvStatus.CANCELLED and rdv.cancelled_at is not None
    assert "Ce rendez-vous est annulé." in client.get(url("rdv_detail", token)).content.decode()
    assert Event.objects.filter(type="rdv.cancelled", payload__status="cancelled").exists()
    assert booked_rdv(organisation, motif, when).starts_at == when  # free again
    tasks.notify_agents(rdv.pk, "cancelled")
    assert "a annulé son rendez-vous en ligne du mardi 3 mars 2026 à 09:30" in (mail.outbox[0].body)


def test_cancelling_online_stops_four_hours_before(client, frozen, organisation, motif, open_range):
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 2, 11, 0))
    token = rdv_token(rdv)
    with time_machine.travel(paris(2026, 3, 2, 7, 30), tick=False):
        assert "Annuler le RDV" not in client.get(url("rdv_detail", token)).content.decode()
        assert client.post(url("rdv_cancel", token))["Location"] == url("rdv_detail", token)
        with pytest.raises(ServiceError):
            cancel_online(rdv)
    assert Rdv.objects.get().status == RdvStatus.UNKNOWN


def test_a_taken_slot_tells_the_usager_and_shows_the_others(
    client, frozen, organisation, motif, open_range
):
    when = paris(2026, 3, 3, 9, 30)
    booked_rdv(organisation, motif, when)
    response = book(client, organisation, motif, when)
    assert response["Location"] == url("slots", organisation.pk, motif.pk)
    page = client.get(response["Location"]).content.decode()
    assert "vient d&#x27;être réservé par quelqu&#x27;un d&#x27;autre" in page
    assert f"?debut={slot_param(paris(2026, 3, 3, 10, 0))}" in page


@pytest.mark.django_db(transaction=True)
def test_two_usagers_racing_for_one_slot_exactly_one_wins(
    territory, organisation, service, agent, motif, open_range
):
    """Two real transactions: the first holds its insert uncommitted while the second,
    which saw the slot free, tries to book it; PostgreSQL makes the second fail."""
    when = paris(2026, 3, 3, 9, 30)
    first_inserted, release_first = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def first():
        try:
            with scopes_disabled(), time_machine.travel(NOW, tick=False), transaction.atomic():
                booked_rdv(organisation, motif, when, last_name="Premier")
                first_inserted.set()
                release_first.wait(10)
            outcomes["first"] = "booked"
        finally:
            connection.close()

    def second():
        try:
            first_inserted.wait(10)
            with scopes_disabled(), time_machine.travel(NOW, tick=False):
                booked_rdv(organisation, motif, when, last_name="Second")
            outcomes["second"] = "booked"
        except SlotUnavailable:
            outcomes["second"] = "refused"
        finally:
            connection.close()

    race(first, second, first_inserted, release_first)
    assert outcomes == {"first": "booked", "second": "refused"}
    assert list(Rdv.objects.values_list("user_records__last_name", flat=True)) == ["Premier"]


def scheduled_tasks(callbacks) -> list[tuple[str, tuple]]:
    """The Celery tasks a transaction queued for after its commit (delay_on_commit)."""
    return [(callback.func.__self__.name, callback.args) for callback in callbacks]


def test_booking_queues_mail_and_sms_after_commit(
    django_capture_on_commit_callbacks, frozen, organisation, motif, open_range
):
    with django_capture_on_commit_callbacks() as callbacks:
        rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    assert scheduled_tasks(callbacks) == [
        ("booking.tasks.send_rdv_mail", (rdv.pk, "created")),
        ("booking.tasks.send_rdv_sms", (rdv.pk, "created")),
    ]


def test_a_move_to_another_agent_tells_both_agents(
    django_capture_on_commit_callbacks,
    frozen,
    territory,
    organisation,
    service,
    motif,
    agent,
    open_range,
):
    other = receiving_agent(territory, organisation, service, email="carol@exemple.fr")
    weekly_range(other, organisation, motif, MONDAY, [2])  # Wednesdays only
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    busy = booked_rdv(organisation, motif, paris(2026, 3, 4, 10, 0))  # takes Bob first
    assert list(busy.agents.all()) == [agent]
    with django_capture_on_commit_callbacks() as callbacks:
        move_online(rdv, paris(2026, 3, 4, 10, 0))
    assert list(rdv.agents.all()) == [other]
    expected = ("booking.tasks.notify_agents", (rdv.pk, "moved", sorted([agent.pk, other.pk])))
    assert expected in scheduled_tasks(callbacks)
    tasks.notify_agents(*expected[1])
    assert sorted(m.to[0] for m in mail.outbox) == ["bob.agent@exemple.fr", "carol@exemple.fr"]


def test_details_step_follows_the_territorys_user_record_configuration(
    client, frozen, territory, organisation, motif, open_range
):
    UserRecordSettingsFactory(territory=territory, hidden_fields=["phone"])
    CustomFieldFactory(
        territory=territory,
        key="quartier",
        label="Quartier",
        field_type="single_choice",
        choices=["Centre", "Fontbarlettes"],
        required=True,
        asked_in_booking=True,
    )
    CustomFieldFactory(territory=territory, label="Suivi interne", asked_in_booking=False)
    when = paris(2026, 3, 3, 9, 30)
    acknowledge(client, organisation, motif)
    details_url = url("details", organisation.pk, motif.pk) + f"?debut={slot_param(when)}"
    page = client.get(details_url).content.decode()
    assert "Quartier" in page
    assert "Téléphone" not in page and "Suivi interne" not in page

    missing = client.post(details_url, DETAILS)
    assert missing.status_code == 200
    assert not Rdv.objects.exists()

    response = client.post(details_url, {**DETAILS, "custom_quartier": "Centre"})
    assert response.status_code == 302
    record = UserRecord.objects.get()
    assert record.custom_values == {"quartier": "Centre"}
    assert record.phone == ""
    created = Event.objects.get(type="user_record.created")
    assert created.payload["id"] == record.pk
    assert created.organisation_ids == [organisation.pk]


def test_forged_far_away_slot_and_week_get_a_page_not_an_error(
    client, frozen, organisation, motif, open_range
):
    """A start beyond any calendar or a week in the year 9999 in the query string."""
    acknowledge(client, organisation, motif)
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    token = rdv_token(rdv)
    beyond = "?debut=999999999999999999"
    details = client.get(url("details", organisation.pk, motif.pk) + beyond)
    assert details["Location"] == url("slots", organisation.pk, motif.pk)
    moved = client.post(url("rdv_move_confirm", token) + beyond)
    assert moved["Location"] == url("rdv_move", token)
    for week_url in (url("slots", organisation.pk, motif.pk), url("rdv_move", token)):
        page = client.get(week_url + "?semaine=9999-12-31")
        assert page.status_code == 200
        # The last week with a slot of the window (now + 14 days) instead.
        assert "Semaine du 13 mars 2026" in page.content.decode()
    rdv.refresh_from_db()
    assert rdv.starts_at == paris(2026, 3, 3, 9, 30)


@pytest.mark.parametrize("closing", ["closed_to_usagers", "archived", "service_deactivated"])
def test_a_motif_no_longer_open_online_cannot_be_moved_or_booked_by_the_service(
    client, frozen, territory, organisation, service, motif, open_range, closing
):
    when = paris(2026, 3, 3, 9, 30)
    rdv = booked_rdv(organisation, motif, when)
    token = rdv_token(rdv)
    if closing == "closed_to_usagers":
        motif.bookable_by_public = False
        motif.save()
    elif closing == "archived":
        motif.archived_at = timezone.now()
        motif.save()
    else:
        TerritoryService.objects.filter(territory=territory, service=service).update(
            is_active=False
        )
    page = client.get(url("rdv_detail", token)).content.decode()
    assert "Déplacer le RDV" not in page and "Annuler le RDV" in page  # cancelling stays
    new_time = paris(2026, 3, 4, 10, 0)
    response = client.post(url("rdv_move_confirm", token) + f"?debut={slot_param(new_time)}")
    assert response["Location"] == url("rdv_detail", token)
    with pytest.raises(ServiceError):
        move_online(rdv, new_time)
    rdv.refresh_from_db()
    assert rdv.starts_at == when
    with pytest.raises(SlotUnavailable):
        booked_rdv(organisation, motif, paris(2026, 3, 3, 10, 0))
    assert Rdv.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["rdv_cancel", "rdv_move_confirm"])
def test_cancelled_from_another_tab_while_submitting_is_a_message_not_an_error(
    client, territory, organisation, service, agent, motif, open_range, action
):
    """The second submission read the RDV before the first one committed its
    cancellation, then waits on the row lock and finds the RDV cancelled."""
    with scopes_disabled(), time_machine.travel(NOW, tick=False):
        rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    token = rdv_token(rdv)
    new_time = paris(2026, 3, 4, 10, 0)
    locked, release = threading.Event(), threading.Event()
    responses = []

    def first_tab():
        try:
            with scopes_disabled(), time_machine.travel(NOW, tick=False), transaction.atomic():
                cancel_online(rdv)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def second_tab():
        try:
            locked.wait(10)
            with time_machine.travel(NOW, tick=False):
                target = url(action, token)
                if action == "rdv_move_confirm":
                    target += f"?debut={slot_param(new_time)}"
                responses.append(client.post(target))
        finally:
            connection.close()

    race(first_tab, second_tab, locked, release)
    (response,) = responses
    assert response["Location"] == url("rdv_detail", token)
    with time_machine.travel(NOW, tick=False):
        page = client.get(response["Location"]).content.decode()
    assert "ne peut" in page and "en ligne : contactez le service." in page
    rdv.refresh_from_db()
    assert (rdv.status, rdv.starts_at) == (RdvStatus.CANCELLED, paris(2026, 3, 3, 9, 30))
    assert Event.objects.filter(type="rdv.cancelled").count() == 1


def test_the_context_reaches_no_usager_page_mail_sms_or_public_webhook_field(
    client, frozen, territory, organisation, motif, agent, open_range
):
    """What the usager of a booked RDV can see, once an agent wrote a context on it."""
    RdvSettingsFactory(territory=territory, context_enabled=True)
    secret = "Signalement ASE confidentiel"
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    rdv.context = secret
    rdv.save(update_fields=["context"])
    move_online(rdv, paris(2026, 3, 4, 10, 0))
    token = rdv_token(rdv)
    new_time = slot_param(paris(2026, 3, 5, 10, 0))
    pages = [
        client.get(url("rdv_detail", token)),
        client.get(url("rdv_cancel", token)),
        client.get(url("rdv_move", token)),
        client.get(url("rdv_move_confirm", token) + f"?debut={new_time}"),
    ]
    assert all(page.status_code == 200 for page in pages)
    for change in ("created", "moved"):
        tasks.send_rdv_mail(rdv.pk, change)
        tasks.send_rdv_sms(rdv.pk, change)
    texts = [page.content.decode() for page in pages]
    texts += [m.subject + m.body + m.alternatives[0][0] for m in mail.outbox]
    texts += [text.text for text in sms.outbox()]
    assert len(texts) == 8
    assert not [text for text in texts if "ASE" in text]
    (moved,) = Event.objects.filter(type="rdv.updated")
    assert moved.payload["internal"] == {"context": secret}
    assert "ASE" not in str({k: v for k, v in moved.payload.items() if k != "internal"})


@pytest.mark.parametrize("token", ["²-abc", "١٢-abc", "-", "1-", "99999999999999999999999-abc"])
def test_a_malformed_rdv_link_is_not_found(client, token):
    for name in ("rdv_detail", "rdv_cancel", "rdv_move", "rdv_move_confirm"):
        assert client.get(url(name, token)).status_code == 404
        assert client.post(url(name, token)).status_code == 404


def test_a_slot_parameter_of_non_ascii_digits_is_a_gone_slot(
    client, frozen, organisation, motif, open_range
):
    acknowledge(client, organisation, motif)
    response = client.get(url("details", organisation.pk, motif.pk) + "?debut=²")
    assert response["Location"] == url("slots", organisation.pk, motif.pk)


SLOT_PAGE_QUERY_BUDGET = 12


def busy_spans(queries) -> list[timedelta]:
    """How many days of RDVs and absences each query of the page read."""
    spans = []
    for query in queries:
        sql = query["sql"]
        if '"rdvs_rdvagent"' not in sql and '"availability_absence"' not in sql:
            continue
        ends = re.search(r'"starts_at" < \'?([0-9-]+ [0-9:]+[+-][0-9:]+)', sql)
        starts = re.search(r'"ends_at" > \'?([0-9-]+ [0-9:]+[+-][0-9:]+)', sql)
        spans.append(datetime.fromisoformat(ends[1]) - datetime.fromisoformat(starts[1]))
    return spans


def test_the_slot_page_computes_the_week_it_shows_and_pages_week_by_week(
    client, frozen, territory, organisation, service, agent, motif
):
    """A three-month window: the page reads the busy times of the week it shows and of
    the days it needs to find the next available one, never the whole window."""
    motif.max_booking_delay = 90 * DAY
    motif.save()
    weekly_range(agent, organisation, motif, MONDAY, [0, 1, 2, 3, 4])
    # Away for the whole week of 16 March: that week is empty.
    AbsenceFactory(
        territory=territory,
        agent=agent,
        starts_at=paris(2026, 3, 16),
        ends_at=paris(2026, 3, 21),
    )
    acknowledge(client, organisation, motif)
    slots_url = url("slots", organisation.pk, motif.pk)

    with CaptureQueriesContext(connection) as captured:
        first = client.get(slots_url).content.decode()
    assert len(captured) <= SLOT_PAGE_QUERY_BUDGET
    assert busy_spans(captured) and max(busy_spans(captured)) <= timedelta(days=14)
    assert "Semaine du 2 mars 2026 au 8 mars 2026" in first
    assert "Vendredi 6 mars 2026" in first and "Lundi 9 mars 2026" not in first
    assert "?semaine=2026-03-09" in first and "Semaine précédente" not in first

    second = client.get(slots_url, {"semaine": "2026-03-09"}).content.decode()
    assert "Lundi 9 mars 2026" in second and "Vendredi 6 mars 2026" not in second
    assert "?semaine=2026-03-02" in second and "?semaine=2026-03-16" in second

    with CaptureQueriesContext(connection) as captured:
        away = client.get(slots_url, {"semaine": "2026-03-16"}).content.decode()
    assert len(captured) <= SLOT_PAGE_QUERY_BUDGET
    assert max(busy_spans(captured)) <= timedelta(days=14)
    assert "Aucun créneau disponible cette semaine." in away
    assert "Prochaine disponibilité : lundi 23 mars 2026" in away

    # The window closes on 31 May at 8:00: its last week has no next one.
    last = client.get(slots_url, {"semaine": "2026-05-25"}).content.decode()
    assert "Vendredi 29 mai 2026" in last and "Semaine suivante" not in last
    # Past the window: the week of the last slot, as the links would have led there.
    beyond = client.get(slots_url, {"semaine": "2026-07-01"}).content.decode()
    assert "Semaine du 29 mai 2026" in beyond


def test_moving_an_rdv_offers_every_slot_but_its_own(
    client, frozen, organisation, motif, open_range
):
    rdv = booked_rdv(organisation, motif, paris(2026, 3, 3, 9, 30))
    page = client.get(url("rdv_move", rdv_token(rdv))).content.decode()
    assert f"?debut={slot_param(paris(2026, 3, 3, 9, 30))}" not in page
    assert f"?debut={slot_param(paris(2026, 3, 3, 10, 0))}" in page
