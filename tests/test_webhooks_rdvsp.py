"""Webhooks in the RDV Service Public format (issue 15 §1): a partner tool written for
the reference platform follows a territory's life cycle without a change, and each
object's shape is the reference's."""

import hashlib
import hmac
import json
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agents import services as agent_services
from motifs import services as motif_services
from motifs.models import Motif
from rdvs import services as rdv_services
from rdvs.models import Rdv, RdvStatus
from rdvs.tokens import rdv_token
from rdvsp.shapes import role_id
from rdvsp.snapshots import documents_now
from territories.models import AgentRole
from tests.booking_helpers import public_motif, receiving_agent, weekly_range
from tests.factories import (
    EndpointFactory,
    OrganisationFactory,
)
from tests.rdvsp_consumer import Consumer
from tests.test_celery import wait_for
from tests.webhook_receiver import receiver  # noqa: F401
from user_records import services as user_record_services
from user_records.models import UserRecord
from webhooks import sending
from webhooks.event_types import RDVSP_NAMES
from webhooks.events import publish
from webhooks.models import Delivery, DeliveryStatus, EndpointFormat

pytestmark = pytest.mark.usefixtures("in_territory")

RDVSP = EndpointFormat.RDV_SERVICE_PUBLIC
ALL_NAMES = sorted(RDVSP_NAMES)


def rdvsp_endpoint(territory, url, names=ALL_NAMES, **kwargs):
    return EndpointFactory(territory=territory, url=url, format=RDVSP, event_types=names, **kwargs)


def sent(endpoint):
    """The bodies an endpoint was given, decoded, in order."""
    return [
        json.loads(body)
        for body in Delivery.objects.filter(endpoint=endpoint)
        .order_by("pk")
        .values_list("body", flat=True)
    ]


def tomorrow_at(hour, minute=0):
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


# --- the done-when test: a full life cycle through a real worker -----------------------


def test_a_reference_consumer_follows_the_whole_life_cycle(
    celery_worker, client, territory, organisation, service, admin_agent
):
    second = OrganisationFactory(territory=territory, name="CCAS de Romans")
    agent = receiving_agent(territory, organisation, service, first_name="Bob")
    motif = public_motif(territory, organisation, service, name="Accompagnement RSA")
    motif.organisations.add(second)
    weekly_range(agent, organisation, motif, timezone.localdate(), list(range(7)))

    with Consumer(secret="") as consumer:
        endpoint = rdvsp_endpoint(territory, consumer.url)
        consumer.secret = endpoint.secret

        # A user record created, then updated, by an agent.
        record = user_record_services.create_user_record(
            territory,
            {"first_name": "Alix", "last_name": "Martin", "email": "alix@exemple.fr"},
            {},
            organisations=[organisation],
            acting_agent=admin_agent,
        )
        record = user_record_services.update_user_record(
            record, {"phone": "+33612345678", "case_number": "D-42"}, {}, acting_agent=admin_agent
        )
        # An RDV booked online through the public pages (a new user record), moved by
        # an agent, cancelled by the usager from their RDV page.
        details = reverse("booking:details", args=[organisation.pk, motif.pk])
        client.post(
            reverse("booking:instructions", args=[organisation.pk, motif.pk]),
            {"acknowledged": "on"},
        )
        response = client.post(
            f"{details}?debut={int(tomorrow_at(10).timestamp())}",
            {
                "first_name": "Camille",
                "last_name": "Durand",
                "email": "camille@exemple.fr",
                "phone": "06 12 34 56 78",
                "consent": "on",
            },
        )
        assert response.status_code == 302
        rdv = Rdv.objects.get(organisation=organisation)
        rdv = rdv_services.move(
            rdv,
            starts_at=tomorrow_at(11),
            ends_at=tomorrow_at(11, 30),
            agents=[agent],
            acting_agent=admin_agent,
        )
        assert client.post(reverse("booking:rdv_cancel", args=[rdv_token(rdv)])).status_code == 302
        # The motif (shared by two organisations) renamed; the agent joins the second.
        motif_services.update_motif(
            motif,
            {"name": "Accompagnement RSA renforcé"},
            organisations=[organisation, second],
            acting_agent=admin_agent,
        )
        agent_services.update_agent(
            territory,
            agent,
            services=[service],
            levels={organisation: "basic", second: "admin"},
            is_territory_admin=False,
            acting_agent=admin_agent,
        )

        deliveries = Delivery.objects.filter(endpoint=endpoint)
        assert wait_for(
            lambda: (
                deliveries.exists()
                and not deliveries.exclude(status=DeliveryStatus.SUCCEEDED).exists()
            ),
            timeout=30,
        )
        assert {status for status, _ in consumer.answers} == {200}

    # What the tool holds is what the database holds.
    rdv = Rdv.objects.get(pk=rdv.pk)
    booked = UserRecord.objects.get(rdvs=rdv)
    users = consumer.live("User")
    assert set(users) == {record.pk, booked.pk}
    for user_record in (record, booked):
        (now,) = documents_now(territory, "User", user_record)
        assert users[user_record.pk] == now.data
    assert users[record.pk]["phone_number_formatted"] == "+33612345678"
    assert users[record.pk]["phone_number"] == "06 12 34 56 78"
    assert users[record.pk]["case_number"] == "D-42"
    profiles = consumer.live("UserProfile")
    assert set(profiles) == {(record.pk, organisation.pk), (booked.pk, organisation.pk)}

    held = consumer.live("Rdv")[rdv.pk]
    (now,) = documents_now(territory, "Rdv", rdv)
    # The motif inside an RDV is a copy as of the RDV's last change, as the reference's.
    assert {k: v for k, v in held.items() if k != "motif"} == {
        k: v for k, v in now.data.items() if k != "motif"
    }
    assert rdv.status == RdvStatus.CANCELLED and held["status"] == "revoked"
    assert held["cancelled_at"] == timezone.localtime(rdv.cancelled_at).isoformat("T", "seconds")
    assert held["starts_at"] == tomorrow_at(11).isoformat("T", "seconds")
    assert held["created_by"] == "user" and held["created_by_id"] == booked.pk
    assert [u["id"] for u in held["users"]] == [booked.pk]
    assert [a["id"] for a in held["agents"]] == [agent.pk]

    motif = Motif.objects.get(pk=motif.pk)
    motifs = consumer.live("Motif")
    assert set(motifs) == {(motif.pk, organisation.pk), (motif.pk, second.pk)}
    assert {m["name"] for m in motifs.values()} == {"Accompagnement RSA renforcé"}
    assert motifs[(motif.pk, second.pk)] == next(
        d.data
        for d in documents_now(territory, "Motif", motif)
        if d.organisation_ids == (second.pk,)
    )

    roles = consumer.live("AgentRole")
    role = AgentRole.objects.get(agent=agent, organisation=second)
    assert roles == {
        role_id(agent.pk, second.pk): {
            "id": role_id(agent.pk, second.pk),
            "access_level": role.access_level,
            "organisation": {
                "id": second.pk,
                "name": "CCAS de Romans",
                "phone_number": second.phone,
                "email": second.email,
                "verticale": "rdv_solidarites",
            },
            "agent": {
                "id": agent.pk,
                "first_name": "Bob",
                "last_name": agent.last_name,
                "email": agent.email,
            },
        }
    }
    assert consumer.live("Agent")[agent.pk]["first_name"] == "Bob"


# --- the request ------------------------------------------------------------------------


def test_a_request_is_signed_on_the_raw_body_and_a_bad_signature_is_refused(
    receiver,  # noqa: F811
    territory,
    organisation,
):
    endpoint = rdvsp_endpoint(territory, receiver.url("/rdvsp"))
    other = rdvsp_endpoint(territory, receiver.url("/other"))
    event = publish(
        territory,
        "organisation.updated",
        {"id": organisation.pk, "name": "Mairie", "phone": "", "email": "m@exemple.fr"},
        organisations=[organisation],
    )
    for delivery in Delivery.objects.filter(event=event):
        sending.attempt_delivery(delivery.pk)
    request = receiver.received("/rdvsp")[0]
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    expected = hmac.new(endpoint.secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Lapin-Signature"] == expected
    body = json.loads(request.body)
    assert body["data"] == {
        "id": organisation.pk,
        "name": "Mairie",
        "phone_number": None,
        "email": "m@exemple.fr",
        "verticale": "rdv_solidarites",
    }
    assert body["meta"]["model"] == "Organisation"
    assert body["meta"]["event"] == "updated"
    assert body["meta"]["webhook_reason"] is None
    stamp = datetime.fromisoformat(body["meta"]["timestamp"])
    assert stamp == event.created_at and stamp.utcoffset() is not None

    # The consumer of the issue: 400 on a signature made with another secret.
    consumer = Consumer(secret=endpoint.secret)
    assert consumer.receive(request.body, expected) == (200, "Organisation")
    wrong = receiver.received("/other")[0]
    assert consumer.receive(wrong.body, wrong.headers["X-Lapin-Signature"])[0] == 400
    assert consumer.receive(request.body.replace(b"Mairie", b"Mairix"), expected)[0] == 400
    assert other.secret != endpoint.secret


def test_a_test_event_is_a_model_consumers_answer_200(territory, admin_agent, receiver):  # noqa: F811
    from webhooks.services import send_test_event

    endpoint = rdvsp_endpoint(territory, receiver.url("/ping"))
    attempt = send_test_event(endpoint, acting_agent=admin_agent)
    assert attempt.status_code == 200
    (request,) = receiver.received("/ping")
    consumer = Consumer(secret=endpoint.secret)
    assert consumer.receive(request.body, request.headers["X-Lapin-Signature"]) == (200, "Ping")


# --- the endpoint form and page -----------------------------------------------------------


def _url(name, territory, **kwargs):
    from django.urls import reverse

    return reverse(f"webhooks:{name}", kwargs={"territory_pk": territory.pk, **kwargs})


def test_an_admin_chooses_the_format_and_its_subscriptions(admin_client, territory):
    form = admin_client.get(_url("create", territory)).content.decode()
    assert "RDV Service Public (compatible rdv-insertion)" in form
    assert "rdv-insertion" in form and "X-Lapin-Signature" in form

    data = {
        "url": "https://insertion.exemple.fr/rdv_solidarites_webhooks",
        "description": "rdv-insertion",
        "format": RDVSP,
        "event_types": ["*"],  # the other format's boxes, still ticked: ignored
        "rdvsp_subscriptions": ["rdv", "user", "motif"],
    }
    response = admin_client.post(_url("create", territory), data)
    assert response.status_code == 302
    endpoint = territory.webhook_endpoints.get()
    assert endpoint.format == RDVSP and endpoint.event_types == ["rdv", "user", "motif"]

    page = admin_client.get(response.url).content.decode()
    assert "RDV Service Public (compatible rdv-insertion)" in page
    assert "rdv — les RDV, user — les fiches usagers, motif" in page

    edit_url = _url("update", territory, endpoint_pk=endpoint.pk)
    edit = admin_client.get(edit_url).content.decode()
    assert 'value="motif" id="id_rdvsp_subscriptions_4" checked' in edit
    assert 'value="absence" id="id_rdvsp_subscriptions_7">' in edit
    assert 'value="rdv_service_public" id="id_format_1" checked' in edit
    response = admin_client.post(edit_url, {**data, "rdvsp_subscriptions": []})
    assert response.status_code == 200
    assert "Choisissez au moins un objet à transmettre" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.event_types == ["rdv", "user", "motif"]

    # Back to the recommended format: its own subscriptions again.
    response = admin_client.post(edit_url, {**data, "format": "standard", "event_types": ["*"]})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.format == "standard" and endpoint.event_types == ["*"]


def test_a_delivery_page_shows_the_body_as_sent(admin_client, territory, organisation):
    endpoint = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["organisation"])
    publish(
        territory,
        "organisation.updated",
        {"id": organisation.pk, "name": "Mairie de Die", "phone": "", "email": ""},
        organisations=[organisation],
    )
    delivery = Delivery.objects.get(endpoint=endpoint)
    page = admin_client.get(
        _url("delivery_detail", territory, endpoint_pk=endpoint.pk, delivery_pk=delivery.pk)
    ).content.decode()
    assert "&quot;model&quot;: &quot;Organisation&quot;" in page
    assert "Mairie de Die" in page
