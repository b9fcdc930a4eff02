"""A failing webhook endpoint and the territory admin's writes run side by side without
deadlock: counting a failure locks the endpoint row only, never its territory (real
PostgreSQL transactions in real threads)."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from tests.factories import DeliveryFactory, EndpointFactory
from tests.webhook_receiver import Reply, receiver  # noqa: F401
from webhooks.events import create_deliveries
from webhooks.models import Delivery, DeliveryStatus, Endpoint, Event
from webhooks.sending import attempt_deliveries, attempt_delivery, note_failure

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def in_thread(target, errors: list) -> threading.Thread:
    def run():
        close_old_connections()
        try:
            with scopes_disabled():  # as the Celery task does; requests open their own
                target()
        except Exception as exc:  # noqa: BLE001  reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_counting_a_failure_does_not_lock_the_territory(territory):
    """The interleaving that deadlocked: an admin write holds a key-share lock on the
    territory (its event row) and is about to take one on the endpoint (a delivery row)
    while the failure count locks the endpoint, then waits for the territory."""
    endpoint = EndpointFactory(territory=territory)
    event_written, errors = threading.Event(), []

    def admin_write():
        with transaction.atomic():
            # Foreign keys are checked at commit: the checks key-share lock the territory,
            # then the endpoint. Made immediate here, so that the window the failure
            # count fell into (a few microseconds at commit) lasts half a second.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            event = Event.objects.create(
                territory=territory, type="organisation.updated", payload={}
            )
            event_written.set()
            time.sleep(0.5)  # meanwhile the failure is being counted
            create_deliveries(event, [endpoint.pk])

    def failure():
        event_written.wait(5)
        with transaction.atomic():
            note_failure(endpoint.pk, timezone.now(), gone=False)

    threads = [in_thread(admin_write, errors), in_thread(failure, errors)]
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Endpoint.objects.get().failed_attempts_in_row == 1
    assert Delivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_admin_edits_succeed_while_a_failing_endpoint_is_retried(
    territory,
    organisation,
    admin_agent,
    receiver,  # noqa: F811
):
    receiver.replies["/hook"] = Reply(500)
    endpoint = EndpointFactory(territory=territory, url=receiver.url("/hook"))
    deliveries = [DeliveryFactory(endpoint=endpoint).pk for _ in range(40)]
    url = reverse(
        "organisations:update",
        kwargs={"territory_pk": territory.pk, "organisation_pk": organisation.pk},
    )
    statuses, errors = [], []

    def admin_edits():
        client = Client()
        client.force_login(admin_agent)
        for number in range(40):
            data = {"name": f"Maison des solidarités {number}", "address": "", "phone": ""}
            statuses.append(client.post(url, {**data, "email": "", "website": ""}).status_code)

    def failing_deliveries():
        for pk in deliveries:
            attempt_delivery(pk)

    threads = [in_thread(admin_edits, errors), in_thread(failing_deliveries, errors)]
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert statuses == [302] * 40
    assert Endpoint.objects.get().failed_attempts_in_row == 40


@pytest.mark.django_db(transaction=True)
def test_a_batch_skips_the_delivery_another_worker_is_claiming(
    territory,
    receiver,  # noqa: F811
):
    """Claims take a batch with SKIP LOCKED: a row locked by another claim is left to it,
    the others are sent, none twice."""
    endpoint = EndpointFactory(territory=territory, url=receiver.url("/hook"))
    held, free = DeliveryFactory(endpoint=endpoint), DeliveryFactory(endpoint=endpoint)
    locked, release, errors = threading.Event(), threading.Event(), []

    def other_claim():
        with transaction.atomic():
            Delivery.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(10)

    thread = in_thread(other_claim, errors)
    assert locked.wait(10)
    try:
        assert attempt_deliveries([held.pk, free.pk]) == 1
    finally:
        release.set()
        thread.join(10)
    assert errors == []
    assert [r.headers["webhook-id"] for r in receiver.received()] == [free.webhook_id]
    held.refresh_from_db()
    assert held.status == DeliveryStatus.PENDING and held.claimed_until is None
    assert attempt_deliveries([held.pk, free.pk]) == 1  # the one left, and only it
    assert len(receiver.received()) == 2
