"""The usager is told: an agent's move or cancellation reaches the usager by mail and
SMS (as their record allows), with the link to their RDV page; reminders leave once."""

import functools
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from config import sms
from notifications.models import SentMessage
from rdvs import services, tasks
from rdvs.models import Reminder
from rdvs.tokens import rdv_url
from tests.factories import RdvSettingsFactory, rdv_with_agents
from tests.form_data import submitted
from tests.rdv_setup import usable_motif, usager
from tests.test_celery import wait_for

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=PARIS)  # a Thursday


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def motif(territory, organisation, service, admin_agent, basic_agent):
    return usable_motif(
        territory, organisation, service, admin_agent, basic_agent, name="Accompagnement RSA"
    )


@pytest.fixture
def jeanne(territory):
    return usager(
        territory,
        first_name="Jeanne",
        last_name="Martin",
        email="jeanne@exemple.fr",
        phone="06 12 34 56 78",
    )


def make_rdv(motif, agent, record, starts_at, *, booked_days_before=7):
    rdv = rdv_with_agents(
        agent,
        territory=motif.territory,
        organisation=motif.organisations.get(),
        motif=motif,
        starts_at=starts_at,
        user_records=[record],
    )
    # Booked a week earlier than now, as most RDVs are (created_at is set on insert).
    type(rdv).objects.filter(pk=rdv.pk).update(created_at=NOW - timedelta(days=booked_days_before))
    return rdv


def page(rdv, name="detail"):
    return reverse(f"rdvs:rdv_{name}", kwargs={"territory_pk": rdv.territory_id, "rdv_pk": rdv.pk})


def test_an_agent_cancelling_tells_the_usager_by_mail_and_sms(
    celery_worker, client, motif, basic_agent, jeanne
):
    rdv = make_rdv(motif, basic_agent, jeanne, NOW + timedelta(days=2, hours=2))
    client.force_login(basic_agent)
    assert client.post(page(rdv, "cancel")).status_code == 302
    assert wait_for(lambda: len(mail.outbox) == 1 and len(sms.outbox()) == 1)
    (message,) = mail.outbox
    assert message.to == ["jeanne@exemple.fr"]
    assert message.subject == "RDV annulé : Accompagnement RSA du 28 novembre 2026 à 10:00"
    assert "Votre rendez-vous a été annulé par Maison des solidarités de Valence." in message.body
    assert f"Voir votre rendez-vous : {rdv_url(rdv)}" in message.body
    assert f'href="{rdv_url(rdv)}"' in message.alternatives[0][0]
    (text,) = sms.outbox()
    assert text.to == "06 12 34 56 78"
    assert text.text == (
        "Votre RDV Accompagnement RSA du samedi 28 novembre 2026 à 10h00, "
        f"Maison des solidarités de Valence, est annulé. Infos : {rdv_url(rdv)}"
    )
    # Both are in the RDV's log, shown to the agents on the RDV page.
    assert wait_for(lambda: SentMessage.objects.filter(rdv=rdv).count() == 2)
    html = client.get(page(rdv)).content.decode()
    assert "Messages envoyés aux usagers" in html
    assert "jeanne@exemple.fr" in html and "06 12 34 56 78" in html
    assert html.count("RDV annulé<br>") == 2  # one line per message
    assert html.count(">Envoyé<") == 2


def test_an_agent_moving_tells_the_usager_as_their_record_allows(
    celery_worker, client, motif, basic_agent, jeanne
):
    jeanne.notify_by_sms = False
    jeanne.save()
    rdv = make_rdv(motif, basic_agent, jeanne, NOW + timedelta(days=2, hours=2))
    client.force_login(basic_agent)
    response = client.post(
        page(rdv, "update"),
        {
            "motif": motif.pk,
            "user_records": [jeanne.pk],
            "day": "2026-11-30",
            "start_time": "14:30",
            "duration": "",
            "agents": [basic_agent.pk],
        },
    )
    assert response.status_code == 302
    assert wait_for(lambda: len(mail.outbox) == 1)
    (message,) = mail.outbox
    assert message.subject == "RDV déplacé : Accompagnement RSA le 30 novembre 2026 à 14:30"
    assert "Votre rendez-vous a été déplacé par Maison des solidarités de Valence." in message.body
    assert "Date : lundi 30 novembre 2026, de 14:30 à" in message.body
    assert rdv_url(rdv) in message.body
    assert sms.outbox() == []  # Jeanne does not want SMS


def queued(callbacks) -> list[tuple[str, tuple]]:
    """The Celery tasks a transaction queued for after its commit (delay_on_commit)."""
    return [
        (callback.func.__self__.name, callback.args)
        for callback in callbacks
        if isinstance(callback, functools.partial) and hasattr(callback.func, "__self__")
    ]


def test_notices_are_queued_after_commit_only_when_the_usager_has_news(
    django_capture_on_commit_callbacks, motif, basic_agent, jeanne
):
    rdv = make_rdv(motif, basic_agent, jeanne, NOW + timedelta(days=2))
    past = make_rdv(motif, basic_agent, jeanne, NOW - timedelta(days=2))
    with django_capture_on_commit_callbacks() as callbacks:
        # Same time (agents only); a past RDV cancelled; the usager's own cancellation.
        services.move(
            rdv,
            starts_at=rdv.starts_at,
            ends_at=rdv.ends_at,
            agents=[basic_agent],
            acting_agent=basic_agent,
        )
        services.cancel(past, acting_agent=basic_agent)
        services.cancel(rdv, acting_agent=None)
    assert not [name for name, _ in queued(callbacks) if name.startswith("rdvs.tasks.send_usager")]

    other = make_rdv(motif, basic_agent, jeanne, NOW + timedelta(days=3))
    with django_capture_on_commit_callbacks() as callbacks:
        services.move(
            other,
            starts_at=other.starts_at + timedelta(hours=1),
            ends_at=other.ends_at + timedelta(hours=1),
            agents=[basic_agent],
            acting_agent=basic_agent,
        )
    assert queued(callbacks)[-2:] == [
        ("rdvs.tasks.send_usager_mails", (other.pk, "moved")),
        ("rdvs.tasks.send_usager_sms", (other.pk, "moved")),
    ]


def run_reminders_concurrently(times: int = 2) -> None:
    """The beat task run by several workers at the same moment."""
    barrier = threading.Barrier(times)

    def run():
        barrier.wait()
        try:
            tasks.send_due_reminders()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_reminders_leave_once_even_when_the_beat_runs_twice_or_concurrently(
    celery_worker, motif, basic_agent, jeanne
):
    tomorrow = make_rdv(motif, basic_agent, jeanne, NOW + timedelta(hours=20))
    in_two_days = make_rdv(motif, basic_agent, jeanne, NOW + timedelta(hours=40))
    make_rdv(motif, basic_agent, jeanne, NOW + timedelta(days=5))  # too early for either
    make_rdv(motif, basic_agent, jeanne, NOW + timedelta(hours=10), booked_days_before=0)

    run_reminders_concurrently()
    tasks.send_due_reminders.delay()  # and again by beat
    # Mail the day before (24 h), SMS 48 h before: one mail, two SMS.
    assert wait_for(lambda: len(mail.outbox) == 1 and len(sms.outbox()) == 2)
    tasks.send_due_reminders()  # after a restart: the claims are in the database
    assert wait_for(lambda: SentMessage.objects.filter(kind="rdv_reminder").count() == 3)
    connection.close()
    assert len(mail.outbox) == 1 and len(sms.outbox()) == 2
    (message,) = mail.outbox
    assert message.subject == "Rappel : RDV Accompagnement RSA le 27 novembre 2026 à 04:00"
    assert "Nous vous rappelons votre rendez-vous." in message.body
    assert rdv_url(tomorrow) in message.body
    assert sorted(text.text for text in sms.outbox()) == sorted(
        f"Rappel : RDV Accompagnement RSA le {when}, Maison des solidarités de Valence. "
        f"Infos et annulation : {rdv_url(rdv)}"
        for when, rdv in [
            ("vendredi 27 novembre 2026 à 04h00", tomorrow),
            ("samedi 28 novembre 2026 à 00h00", in_two_days),
        ]
    )
    assert Reminder.objects.count() == 3


def test_a_reminder_task_delivered_twice_sends_once(motif, basic_agent, jeanne):
    rdv = make_rdv(motif, basic_agent, jeanne, NOW + timedelta(hours=20))
    RdvSettingsFactory(territory=rdv.territory, reminder_sms_delay=0)
    from rdvs.reminders import claim_due_reminders

    assert claim_due_reminders("sms") == []  # SMS reminders switched off here
    ((reminder_pk, rdv_pk),) = claim_due_reminders("email")
    assert claim_due_reminders("email") == []
    tasks.send_reminder(rdv_pk, reminder_pk)
    tasks.send_reminder(rdv_pk, reminder_pk)
    assert len(mail.outbox) == 1 and sms.outbox() == []


def test_a_moved_rdv_is_reminded_of_its_new_time_a_cancelled_one_not(motif, basic_agent, jeanne):
    from rdvs.reminders import claim_due_reminders

    rdv = make_rdv(motif, basic_agent, jeanne, NOW + timedelta(hours=20))
    ((reminder_pk, _),) = claim_due_reminders("email")
    services.move(
        rdv,
        starts_at=rdv.starts_at + timedelta(hours=1),
        ends_at=rdv.ends_at + timedelta(hours=1),
        agents=[basic_agent],
        acting_agent=basic_agent,
    )
    tasks.send_reminder(rdv.pk, reminder_pk)  # claimed for the old time: not sent
    assert mail.outbox == []
    ((new_pk, _),) = claim_due_reminders("email")
    services.cancel(rdv, acting_agent=basic_agent)
    tasks.send_reminder(rdv.pk, new_pk)
    assert mail.outbox == []


def test_admin_sets_the_reminders_in_the_fiches_rdv_section(admin_client, territory):
    url = reverse("rdv_settings:section", kwargs={"territory_pk": territory.pk})
    html = admin_client.get(url).content.decode()
    assert "Rappels aux usagers" in html and "24 heures avant (la veille)" in html
    response = admin_client.post(
        url,
        {
            "waiting_room_mode": "visual",
            "reminder_email_delay": "48",
            "reminder_sms_delay": "0",
        },
    )
    assert response.status_code == 302
    saved = territory.rdv_settings
    assert (saved.reminder_email_delay, saved.reminder_sms_delay) == (48, 0)
    html = admin_client.get(url).content.decode()
    assert 'value="0" checked' in html.replace("\n", " ") or "Pas de rappel" in html


def test_an_agent_records_how_the_usager_wants_to_be_told(client, basic_agent, jeanne):
    client.force_login(basic_agent)
    kwargs = {"territory_pk": jeanne.territory_id, "user_record_pk": jeanne.pk}
    edit = client.get(reverse("user_records:update", kwargs=kwargs))
    assert "Prévenir par SMS" in edit.content.decode()
    data = submitted(edit.context["form"])
    assert (data["notify_by_email"], data["notify_by_sms"]) == ("true", "true")
    response = client.post(
        reverse("user_records:update", kwargs=kwargs), {**data, "notify_by_sms": "false"}
    )
    assert response.status_code == 302
    jeanne.refresh_from_db()
    assert (jeanne.notify_by_email, jeanne.notify_by_sms) == (True, False)
    detail = client.get(reverse("user_records:user_record_detail", kwargs=kwargs))
    assert "par e-mail seulement" in detail.content.decode()
    # A form sent without the question (an older page) leaves the preference alone.
    data = submitted(client.get(reverse("user_records:update", kwargs=kwargs)).context["form"])
    data.pop("notify_by_sms")
    client.post(reverse("user_records:update", kwargs=kwargs), {**data, "notes": "Rappeler"})
    jeanne.refresh_from_db()
    assert (jeanne.notes, jeanne.notify_by_sms) == ("Rappeler", False)
