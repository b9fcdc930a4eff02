"""The sent-message log: what was sent to whom, and the provider's delivery reports
(anymail's tracking webhook, Brevo's format) shown on the RDV page and the invitation
line."""

import base64
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from booking import tasks as booking_tasks
from notifications.models import SentMessage
from rdvs import services
from tests.factories import rdv_with_agents
from tests.queries import assert_flat_query_count
from tests.rdv_setup import usable_motif, usager
from tests.test_celery import wait_for

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

SECRET = "brevo:mot-de-passe-du-webhook"
TRACKING = "/anymail/brevo/tracking/"


@pytest.fixture
def provider(settings):
    """Mail through anymail (its test backend gives each message a provider id, as Brevo
    does), and the tracking webhook's basic-auth secret configured."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {"BREVO_API_KEY": "", "WEBHOOK_SECRET": SECRET}


def report(client, message_id, event, email, *, secret=SECRET, **extra):
    """What Brevo posts to the tracking webhook."""
    body = {
        "event": event,
        "email": email,
        "message-id": message_id,
        "ts_epoch": int(timezone.now().timestamp() * 1000),
        **extra,
    }
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        TRACKING,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


@pytest.fixture
def rdv(territory, organisation, service, admin_agent, basic_agent):
    motif = usable_motif(territory, organisation, service, admin_agent, basic_agent)
    return rdv_with_agents(
        basic_agent,
        territory=territory,
        organisation=organisation,
        motif=motif,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=3),
        user_records=[usager(territory, first_name="Jeanne", email="jeanne@exemple.fr")],
    )


def rdv_page(rdv):
    return reverse("rdvs:rdv_detail", kwargs={"territory_pk": rdv.territory_id, "rdv_pk": rdv.pk})


def test_a_bounce_reported_by_the_provider_shows_on_the_rdv_page(
    celery_worker, provider, client, rdv, basic_agent
):
    services.cancel(rdv, acting_agent=basic_agent)
    assert wait_for(lambda: SentMessage.objects.filter(rdv=rdv).exists())
    message = SentMessage.objects.get(rdv=rdv)
    assert message.provider_message_id != "" and message.status == "sent"

    client.force_login(basic_agent)
    html = client.get(rdv_page(rdv)).content.decode()
    assert ">Envoyé<" in html and "jeanne@exemple.fr" in html

    # A wrong secret changes nothing.
    assert (
        report(
            client,
            message.provider_message_id,
            "hard_bounce",
            "jeanne@exemple.fr",
            secret="brevo:devine",
        ).status_code
        == 400
    )
    message.refresh_from_db()
    assert message.status == "sent"

    response = report(
        client,
        message.provider_message_id,
        "hard_bounce",
        "jeanne@exemple.fr",
        reason="550 5.1.1 mailbox unavailable",
    )
    assert response.status_code == 200
    html = client.get(rdv_page(rdv)).content.decode()
    assert "Échec de remise" in html
    assert "adresse refusée par le serveur du destinataire (550 5.1.1 mailbox unavailable)" in html

    # A later "opened" (some clients fetch images anyway) does not hide the failure.
    report(client, message.provider_message_id, "unique_opened", "jeanne@exemple.fr")
    message.refresh_from_db()
    assert message.status == "failed"


def test_a_delivery_report_marks_the_mail_delivered(provider, client, rdv, basic_agent):
    booking_tasks.send_rdv_mail(rdv.pk, "created")
    message = SentMessage.objects.get(rdv=rdv)
    assert message.kind == "rdv_created"
    # The provider posts without cookie nor CSRF token, as Brevo does.
    brevo = Client(enforce_csrf_checks=True)
    response = report(brevo, message.provider_message_id, "delivered", "jeanne@exemple.fr")
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered"
    client.force_login(basic_agent)
    assert ">Remis<" in client.get(rdv_page(rdv)).content.decode()


def test_the_development_outbox_marks_messages_sent(settings, rdv):
    settings.EMAIL_BACKEND = "config.outbox.OutboxEmailBackend"
    booking_tasks.send_rdv_mail(rdv.pk, "created")
    message = SentMessage.objects.get(rdv=rdv)
    assert (message.status, message.provider_message_id) == ("sent", "")
    assert message.summary.startswith("RDV confirmé : ")


def test_the_tracking_url_does_not_exist_without_a_secret(settings, client):
    settings.ANYMAIL = {"BREVO_API_KEY": ""}
    assert report(client, "1", "delivered", "x@exemple.fr").status_code == 404


def test_a_bounced_invitation_shows_on_its_line_and_its_page(
    celery_worker, provider, admin_client, territory, organisation, service
):
    admin_client.post(
        reverse("agents:invite", kwargs={"territory_pk": territory.pk}),
        {"email": "dora@exemple.fr", "services": [service.pk], "organisations": [organisation.pk]},
    )
    assert wait_for(lambda: SentMessage.objects.filter(invitation__isnull=False).exists())
    message = SentMessage.objects.get()
    assert (message.kind, message.recipient) == ("invitation", "dora@exemple.fr")
    agents_page = reverse("agents:section", kwargs={"territory_pk": territory.pk})
    assert "Courriel non remis" not in admin_client.get(agents_page).content.decode()

    report(admin_client, message.provider_message_id, "blocked", "dora@exemple.fr")
    html = admin_client.get(agents_page).content.decode()
    line = html[html.index("dora@exemple.fr") :].split("</tr>")[0]
    assert "Courriel non remis" in line
    detail = admin_client.get(
        reverse(
            "agents:invitation_detail",
            kwargs={"territory_pk": territory.pk, "invitation_pk": message.invitation_id},
        )
    ).content.decode()
    assert "n'a pas été remis à son destinataire" in detail
    assert "Échec de remise" in detail and "envoi bloqué par le fournisseur" in detail

    # Sent again: the new mail is the one the line speaks of.
    admin_client.post(
        reverse(
            "agents:invitation_resend",
            kwargs={"territory_pk": territory.pk, "invitation_pk": message.invitation_id},
        )
    )
    assert wait_for(lambda: SentMessage.objects.count() == 2)
    assert "Courriel non remis" not in admin_client.get(agents_page).content.decode()


def test_the_rdv_page_makes_as_many_queries_for_one_message_as_for_fifty(client, rdv, basic_agent):
    client.force_login(basic_agent)
    booking_tasks.send_rdv_mail(rdv.pk, "created")

    def grow():
        booking_tasks.send_rdv_mail(rdv.pk, "moved")
        SentMessage.objects.bulk_create(
            SentMessage(
                territory=rdv.territory,
                rdv=rdv,
                channel="sms",
                kind="rdv_reminder",
                summary="Rappel",
                recipient="0612345678",
            )
            for _ in range(48)
        )

    assert_flat_query_count(lambda: client.get(rdv_page(rdv)), grow)
    assert client.get(rdv_page(rdv)).content.decode().count("<td>0612345678</td>") == 48
    assert len(mail.outbox) == 2
