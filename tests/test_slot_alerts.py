"""Motifs open online without a free slot: the morning check stores one alert per
(motif, organisation) without a slot in the booking window, the list of motifs shows a
badge from those rows, and the territory admins get one mail listing them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from booking import slot_alerts
from booking.tasks import check_online_slots
from motifs.models import DAY, MotifSlotAlert
from tests.booking_helpers import public_motif, receiving_agent, weekly_range
from tests.factories import AgentRoleFactory, MotifFactory, OrganisationFactory
from tests.queries import assert_flat_query_count
from tests.test_celery import wait_for

pytestmark = pytest.mark.usefixtures("in_territory")

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def motif_list(territory):
    return reverse("motifs:section", kwargs={"territory_pk": territory.pk})


@pytest.fixture
def world(territory, organisation, service):
    """ "Accueil" open in both organisations, with openings in the first one only;
    "Permanence" open and bookable; "Interne" not open online, with no opening."""
    annexe = OrganisationFactory(territory=territory, name="Antenne de Romans")
    agent = receiving_agent(territory, organisation, service)
    today = timezone.localdate()
    accueil = public_motif(territory, organisation, service, name="Accueil")
    accueil.organisations.add(annexe)
    permanence = public_motif(territory, organisation, service, name="Permanence")
    MotifFactory(territory=territory, service=service, organisations=[annexe], name="Interne")
    for motif in (accueil, permanence):
        weekly_range(agent, organisation, motif, today, EVERY_DAY)
    return {"annexe": annexe, "accueil": accueil, "permanence": permanence, "agent": agent}


def test_the_morning_check_stores_alerts_and_mails_the_territory_admins(
    celery_worker, territory, admin_agent, admin_client, world
):
    check_online_slots.delay()
    assert wait_for(lambda: len(mail.outbox) == 1)
    alert = MotifSlotAlert.objects.get()
    assert (alert.motif, alert.organisation) == (world["accueil"], world["annexe"])

    message = mail.outbox[0]
    assert message.to == [admin_agent.email]
    assert "1 motif en ligne sans créneau" in message.subject
    assert "Accueil" in message.body and "Antenne de Romans" in message.body
    assert "Permanence" not in message.body and "Interne" not in message.body
    detail = reverse(
        "motifs:motif_detail",
        kwargs={"territory_pk": territory.pk, "motif_pk": world["accueil"].pk},
    )
    assert detail in message.body

    html = admin_client.get(motif_list(territory)).content.decode()
    accueil_row = html.split(f'id="motif-{world["accueil"].pk}"')[1].split("</tr>")[0]
    permanence_row = html.split(f'id="motif-{world["permanence"].pk}"')[1].split("</tr>")[0]
    assert "Aucun créneau en ligne" in accueil_row and "Antenne de Romans" in accueil_row
    assert "Aucun créneau en ligne" not in permanence_row


def test_an_alert_goes_once_a_slot_opens_and_keeps_its_start_meanwhile(
    territory, organisation, world
):
    motif_pks = [world["accueil"].pk, world["permanence"].pk]
    first = timezone.now()
    slot_alerts.refresh(territory, motif_pks, now=first)
    slot_alerts.refresh(territory, motif_pks, now=first + timedelta(minutes=5))
    alert = MotifSlotAlert.objects.get()
    assert alert.since == first and alert.checked_at == first + timedelta(minutes=5)

    AgentRoleFactory(agent=world["agent"], organisation=world["annexe"])
    weekly_range(world["agent"], world["annexe"], world["accueil"], timezone.localdate(), EVERY_DAY)
    assert list(slot_alerts.refresh(territory, motif_pks)) == []


def test_a_window_too_short_for_the_openings_raises_an_alert(territory, organisation, world):
    """Open every day, but the motif may be booked only from a year on: no slot."""
    permanence = world["permanence"]
    permanence.min_booking_delay = 400 * DAY
    permanence.max_booking_delay = 401 * DAY
    permanence.save()
    slot_alerts.refresh(territory, [world["permanence"].pk, world["accueil"].pk])
    assert {(a.motif_id, a.organisation_id) for a in MotifSlotAlert.objects.all()} == {
        (world["accueil"].pk, world["annexe"].pk),
    }


def test_a_motif_with_an_alert_can_still_be_deleted(territory, organisation, service):
    """The alert is the check's note, not a use of the motif."""
    unused = public_motif(territory, organisation, service, name="Jamais ouvert")
    slot_alerts.refresh(territory, [unused.pk])
    assert MotifSlotAlert.objects.filter(motif=unused).exists()
    assert not unused.is_referenced()


def test_the_badge_costs_no_query_per_alert(admin_client, territory, organisation, service):
    def grow(count):
        for number in range(count):
            motif = public_motif(territory, organisation, service, name=f"Motif {count}-{number}")
            MotifSlotAlert.objects.create(
                territory=territory,
                motif=motif,
                organisation=organisation,
                since=timezone.now(),
                checked_at=timezone.now(),
            )

    grow(2)
    assert_flat_query_count(lambda: admin_client.get(motif_list(territory)), lambda: grow(30))
