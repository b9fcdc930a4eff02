"""`trigger: true` on a webhook endpoint made through the API: every object it subscribes
to reaches it as created, through the outbox, a real Celery worker and a real HTTP
receiver on 127.0.0.1; no other endpoint receives anything."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from standardwebhooks.webhooks import Webhook

from tests.factories import (
    AbsenceFactory,
    ApiTokenFactory,
    EndpointFactory,
    OrganisationFactory,
    UserRecordFactory,
    rdv_with_agents,
)
from tests.test_api import Partner, create_token_on_page
from tests.webhook_receiver import receiver  # noqa: F401
from webhooks import backfill
from webhooks.models import Delivery, Endpoint, Event


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 2: the chain of tasks runs several times per kind of object."""
    monkeypatch.setattr(backfill, "BATCH_SIZE", 2)


def test_trigger_sends_every_subscribed_object_to_that_endpoint_only(
    celery_worker,
    receiver,  # noqa: F811
    small_batches,
    admin_client,
    admin_agent,
    territory,
    organisation,
):
    elsewhere = OrganisationFactory(territory=territory, name="CCAS de Romans")
    with scopes_disabled():  # set-up
        followed = [
            UserRecordFactory(territory=territory, organisations=[organisation]) for _ in range(5)
        ]
        UserRecordFactory(territory=territory, organisations=[elsewhere])  # not this endpoint's
        both = UserRecordFactory(territory=territory, organisations=[organisation, elsewhere])
        soon = timezone.now().replace(microsecond=0) + timedelta(days=1)
        rdvs = [
            rdv_with_agents(
                admin_agent,
                territory=territory,
                organisation=organisation,
                starts_at=soon + timedelta(hours=hour),
                ends_at=soon + timedelta(hours=hour, minutes=30),
            )
            for hour in range(3)
        ]
        rdv_with_agents(territory=territory, organisation=elsewhere)
        AbsenceFactory(territory=territory, agent=admin_agent)  # not subscribed
        bystander = EndpointFactory(territory=territory, url=receiver.url("/autre"))
    partner = Partner(admin_client, create_token_on_page(admin_client, territory))

    made = partner.post(
        f"/organisations/{organisation.pk}/webhook_endpoints",
        {
            "target_url": receiver.url("/partenaire"),
            "subscriptions": ["user", "rdv"],
            "trigger": True,
        },
    )
    assert made.status_code == 201, made.json()
    endpoint = made.json()["webhook_endpoint"]
    assert endpoint["backfill"] == ["user_record.created", "rdv.created"]

    expected = {("user_record.created", r.pk) for r in [*followed, both]} | {
        ("rdv.created", rdv.pk) for rdv in rdvs
    }
    assert receiver.wait_for(len(expected), "/partenaire", timeout=30)
    received = receiver.received("/partenaire")
    bodies = [Webhook(endpoint["secret"]).verify(r.body, r.headers) for r in received]
    assert {(body["type"], body["data"]["id"]) for body in bodies} == expected
    assert len(bodies) == len(expected)  # each object once
    rdv_body = next(b for b in bodies if b["type"] == "rdv.created")
    assert rdv_body["data"]["organisation_id"] == organisation.pk
    assert rdv_body["data"]["agents"][0]["id"] == admin_agent.pk
    assert receiver.received("/autre") == []
    with scope(territory=territory):
        assert not Delivery.objects.filter(endpoint=bystander).exists()
        assert Event.objects.filter(type="user_record.created").count() == 6


def test_trigger_on_update_batches_back_pressure_and_a_disabled_endpoint(
    db,
    client,
    admin_agent,
    territory,
    organisation,
    small_batches,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    """Without a worker: the first batch is queued on commit, each batch says where the
    next starts, a receiver that lags holds the chain back, a disabled endpoint stops it."""
    with scopes_disabled():
        UserRecordFactory.create_batch(3, territory=territory, organisations=[organisation])
        endpoint = EndpointFactory(
            territory=territory, event_types=["user_record.*"], url="https://p.exemple.fr/h"
        )
        endpoint.organisations.set([organisation])
    partner = Partner(client, ApiTokenFactory(territory=territory, agent=admin_agent).raw)
    with django_capture_on_commit_callbacks() as callbacks:
        changed = partner.patch(
            f"/organisations/{organisation.pk}/webhook_endpoints/{endpoint.pk}",
            {"trigger": True},
        )
    assert changed.json()["webhook_endpoint"]["backfill"] == ["user_record.created"]
    assert callbacks  # the first batch's task, queued after commit
    with scope(territory=territory):
        following = backfill.send_batch(endpoint, 0, 0)
        assert following is not None and following[0] == 0  # a full batch: more to come
        assert Delivery.objects.filter(endpoint=endpoint).count() == 2
        assert backfill.send_batch(endpoint, *following) is None  # the last one
        assert Delivery.objects.filter(endpoint=endpoint).count() == 3
        # Back-pressure: while the endpoint has MAX_PENDING deliveries waiting, the batch
        # waits (queued again later) and writes nothing.
        monkeypatch.setattr(backfill, "MAX_PENDING", 3)
        assert backfill.send_backfill_batch.run(endpoint.pk, 0, 0) == 0
        assert Delivery.objects.filter(endpoint=endpoint).count() == 3
        endpoint.enabled = False
        endpoint.save(update_fields=["enabled"])
        assert backfill.send_backfill_batch.run(endpoint.pk, 0, 0) is None
        assert Delivery.objects.filter(endpoint=endpoint).count() == 3
    assert "secret" not in changed.json()["webhook_endpoint"]


def test_an_endpoint_in_the_reference_format_is_backfilled_in_that_format(
    db, client, admin_agent, territory, organisation
):
    with scopes_disabled():
        record = UserRecordFactory(territory=territory, organisations=[organisation])
    partner = Partner(client, ApiTokenFactory(territory=territory, agent=admin_agent).raw)
    made = partner.post(
        f"/organisations/{organisation.pk}/webhook_endpoints",
        {
            "target_url": "https://insertion.exemple.fr/webhooks",
            "format": "rdv_service_public",
            "subscriptions": ["user"],
            "trigger": True,
        },
    )
    assert made.status_code == 201, made.json()
    assert made.json()["webhook_endpoint"]["subscriptions"] == ["user"]
    assert made.json()["webhook_endpoint"]["backfill"] == ["user_record.created"]
    with scope(territory=territory):
        endpoint = Endpoint.objects.get()
        assert backfill.send_batch(endpoint, 0, 0) is None
        (delivery,) = Delivery.objects.filter(endpoint=endpoint)
        body = json.loads(delivery.body)
    assert body["meta"]["model"] == "User" and body["meta"]["event"] == "created"
    assert body["data"]["id"] == record.pk
