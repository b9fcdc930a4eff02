"""The waiting room: "Usager en salle d'attente" and each notification mode."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from rdvs.models import Rdv
from tests.factories import RdvSettingsFactory, rdv_with_agents
from tests.rdv_setup import usable_motif, usager
from tests.test_celery import wait_for
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 9, 50, tzinfo=PARIS)
BUTTON = "Usager en salle d'attente"


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def rdv(territory, organisation, service, admin_agent, basic_agent):
    motif = usable_motif(territory, organisation, service, admin_agent, basic_agent)
    return rdv_with_agents(
        admin_agent,
        basic_agent,
        territory=territory,
        organisation=organisation,
        motif=motif,
        starts_at=NOW + timedelta(minutes=10),
        user_records=[usager(territory, first_name="Jeanne", last_name="Martin")],
        context="Signalement en cours",
    )


@pytest.fixture
def bob_client(basic_agent):
    bob = Client()
    bob.force_login(basic_agent)
    return bob


def day_url(territory, **params):
    url = reverse("rdvs:agenda_day", kwargs={"territory_pk": territory.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def press(client, rdv):
    return client.post(
        reverse("rdvs:rdv_arrival", kwargs={"territory_pk": rdv.territory_id, "rdv_pk": rdv.pk}),
        {"next": day_url(rdv.territory)},
    )


def test_visual_mode_marks_the_rdv_waiting_with_text_and_records_who_and_when(
    bob_client, territory, rdv, basic_agent
):
    RdvSettingsFactory(territory=territory, waiting_room_mode="visual")
    page = bob_client.get(day_url(territory)).content.decode()
    assert BUTTON in page
    assert "En salle d'attente" not in page

    response = press(bob_client, rdv)
    assert response.status_code == 302 and response.url == day_url(territory)
    rdv.refresh_from_db()
    assert NOW <= rdv.arrived_at < NOW + timedelta(minutes=1)
    assert rdv.arrival_recorded_by == basic_agent
    page = bob_client.get(day_url(territory)).content.decode()
    assert "En salle d'attente depuis 09:50" in page
    assert BUTTON not in page
    assert Event.objects.get(type="rdv.usager_arrived").payload["arrived_at"]


def test_pressing_twice_changes_nothing(bob_client, admin_client, territory, rdv):
    RdvSettingsFactory(territory=territory, waiting_room_mode="both")
    press(bob_client, rdv)
    first = Rdv.objects.get().arrived_at
    response = press(admin_client, rdv)
    assert response.status_code == 302
    rdv.refresh_from_db()
    assert (rdv.arrived_at, rdv.arrival_recorded_by.email) == (first, "bob@exemple.fr")
    assert Event.objects.filter(type="rdv.usager_arrived").count() == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["L'arrivée de l'usager était déjà enregistrée."]


@pytest.mark.parametrize(
    ("mode", "live"), [("visual", True), ("both", True), ("email", False), ("none", False)]
)
def test_the_day_page_refreshes_itself_only_in_visual_modes(bob_client, territory, rdv, mode, live):
    RdvSettingsFactory(territory=territory, waiting_room_mode=mode)
    page = bob_client.get(day_url(territory)).content.decode()
    assert ("hx-get" in page) is live
    assert ("htmx" in page) is live
    assert (BUTTON in page) is (mode != "none")


def test_polling_answers_no_content_until_something_changes(bob_client, territory, rdv):
    RdvSettingsFactory(territory=territory, waiting_room_mode="visual")
    version = bob_client.get(day_url(territory)).context["version"]
    poll = day_url(territory, jour=NOW.date(), version=version)
    assert bob_client.get(poll, headers={"HX-Request": "true"}).status_code == 204
    press(bob_client, rdv)
    response = bob_client.get(poll, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith('<div id="rdvs-du-jour"')
    assert "En salle d'attente depuis" in fragment


def test_none_mode_hides_the_button_and_refuses_the_action(bob_client, territory, rdv):
    RdvSettingsFactory(territory=territory, waiting_room_mode="none")
    detail = reverse("rdvs:rdv_detail", kwargs={"territory_pk": territory.pk, "rdv_pk": rdv.pk})
    assert BUTTON not in bob_client.get(detail).content.decode()
    press(bob_client, rdv)
    rdv.refresh_from_db()
    assert rdv.arrived_at is None
    assert not Event.objects.filter(type="rdv.usager_arrived").exists()


def test_only_todays_rdvs_still_to_come_get_the_button(bob_client, territory, rdv):
    RdvSettingsFactory(territory=territory, waiting_room_mode="visual")
    tomorrow = rdv_with_agents(
        territory=territory,
        organisation=rdv.organisation,
        motif=rdv.motif,
        starts_at=rdv.starts_at + timedelta(days=1),
    )
    page = bob_client.get(day_url(territory, jour=tomorrow.starts_at.date())).content.decode()
    assert BUTTON not in page
    press(bob_client, tomorrow)
    tomorrow.refresh_from_db()
    assert tomorrow.arrived_at is None
    Rdv.objects.filter(pk=rdv.pk).update(status="seen")
    assert BUTTON not in bob_client.get(day_url(territory)).content.decode()


@pytest.mark.parametrize("mode", ["email", "both"])
def test_email_mode_mails_each_agent_once_per_arrival(celery_worker, client, territory, rdv, mode):
    RdvSettingsFactory(territory=territory, waiting_room_mode=mode, context_enabled=True)
    client.force_login(rdv.agents.get(email="bob@exemple.fr"))
    press(client, rdv)
    assert wait_for(lambda: len(mail.outbox) == 2)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@exemple.fr", "bob@exemple.fr"]
    message = mail.outbox[0]
    assert message.subject.startswith("Jeanne Martin en salle d'attente")
    assert "vous attend en salle d'attente depuis 09:50" in message.body
    assert f"/rdv/{rdv.pk}/" in message.body
    assert "Signalement" not in message.body + message.alternatives[0][0]

    press(client, rdv)
    time.sleep(1)
    assert len(mail.outbox) == 2


def test_visual_mode_sends_no_mail(celery_worker, client, territory, rdv):
    RdvSettingsFactory(territory=territory, waiting_room_mode="visual")
    client.force_login(rdv.agents.get(email="bob@exemple.fr"))
    press(client, rdv)
    time.sleep(1)
    assert mail.outbox == []


@pytest.mark.parametrize(("mode", "shown"), [("visual", True), ("both", True), ("email", False)])
def test_the_week_agenda_and_usagers_list_say_an_usager_is_waiting(
    bob_client, territory, rdv, mode, shown
):
    RdvSettingsFactory(territory=territory, waiting_room_mode=mode)
    press(bob_client, rdv)
    pages = [
        reverse("rdvs:agenda_week", kwargs={"territory_pk": territory.pk}),
        reverse("user_records:list", kwargs={"territory_pk": territory.pk}),
    ]
    for url in pages:
        page = bob_client.get(url).content.decode()
        assert ("Un usager est en salle d'attente pour vos RDV du jour" in page) is shown
        assert ("RDV de 10:00, arrivé à 09:50" in page) is shown
