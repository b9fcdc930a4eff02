"""Webhook delivery against a real HTTP receiver on 127.0.0.1 (and a real Celery worker
where the path goes through the broker): signatures, schedule, failures, sweeper, SSRF."""

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from territories.models import AuditEntry
from tests.factories import DeliveryFactory, EndpointFactory, OrganisationFactory
from tests.queries import count_queries
from tests.test_celery import wait_for
from tests.webhook_receiver import Receiver, Reply, receiver  # noqa: F401
from webhooks import sending, services, signing
from webhooks.events import publish
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event
from webhooks.tasks import prune_old_events

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

START = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.get_current_timezone())


def hook(territory, receiver, path="/hook", **kwargs):  # noqa: F811
    return EndpointFactory(territory=territory, url=receiver.url(path), **kwargs)


def verify(endpoint_secret, received):
    return Webhook(endpoint_secret).verify(received.body, received.headers)


# --- publish: the outbox ---


def test_publish_writes_one_delivery_per_matching_endpoint(territory, organisation):
    other_organisation = OrganisationFactory(territory=territory)
    everything = EndpointFactory(territory=territory, event_types=["*"])
    motifs = EndpointFactory(territory=territory, event_types=["motif.*"])
    exact = EndpointFactory(territory=territory, event_types=["motif.created"])
    rdvs = EndpointFactory(territory=territory, event_types=["rdv.*"])
    mine = EndpointFactory(territory=territory)
    mine.organisations.set([organisation])
    elsewhere = EndpointFactory(territory=territory)
    elsewhere.organisations.set([other_organisation])
    EndpointFactory(territory=territory, enabled=False)
    EndpointFactory()  # another territory

    event = publish(territory, "motif.created", {"id": 7}, organisations=[organisation])

    endpoints = set(Delivery.objects.filter(event=event).values_list("endpoint", flat=True))
    assert endpoints == {everything.pk, motifs.pk, exact.pk, mine.pk}
    assert rdvs.pk not in endpoints and elsewhere.pk not in endpoints

    territory_wide = publish(territory, "service.activated", {"id": 3})
    # Not tied to an organisation: restricted endpoints receive it too.
    endpoints = set(
        Delivery.objects.filter(event=territory_wide).values_list("endpoint", flat=True)
    )
    assert endpoints == {everything.pk, mine.pk, elsewhere.pk}


def test_a_rolled_back_change_leaves_neither_event_nor_delivery(territory):
    EndpointFactory(territory=territory)
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(territory, "motif.updated", {"id": 1})
        raise RuntimeError("the change failed")
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()


def test_event_is_sent_after_commit_by_the_worker_signed(
    celery_worker,
    receiver,  # noqa: F811
    territory,
    organisation,
):
    standard = hook(territory, receiver, "/standard")
    legacy = hook(territory, receiver, "/legacy", legacy_signature=True)

    with transaction.atomic():
        event = publish(
            territory, "motif.created", {"id": 42, "name": "Accueil"}, organisations=[organisation]
        )
        time.sleep(0.3)
        assert receiver.received() == []  # nothing leaves before the commit

    assert receiver.wait_for(2)
    by_path = {r.path: r for r in receiver.received()}
    body = verify(standard.secret, by_path["/standard"])
    delivery = Delivery.objects.get(endpoint=standard)
    assert body == {
        "id": delivery.webhook_id,
        "type": "motif.created",
        "timestamp": body["timestamp"],
        "territory": territory.pk,
        "data": {"id": 42, "name": "Accueil"},
        "seq": event.pk,
    }
    assert by_path["/standard"].headers["webhook-id"] == delivery.webhook_id
    assert "X-Lapin-Signature" not in by_path["/standard"].headers
    legacy_request = by_path["/legacy"]
    verify(legacy.secret, legacy_request)
    expected = hmac.new(legacy.secret.encode(), legacy_request.body, hashlib.sha256).hexdigest()
    assert legacy_request.headers["X-Lapin-Signature"] == expected

    def all_recorded():
        return Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 2

    assert wait_for(all_recorded)
    attempt = Attempt.objects.get(delivery=delivery)
    assert attempt.status_code == 200 and attempt.response_excerpt == "ok"


def test_a_tampered_body_or_another_secret_does_not_verify(receiver, territory):  # noqa: F811
    endpoint = hook(territory, receiver)
    delivery = DeliveryFactory(endpoint=endpoint)
    sending.attempt_delivery(delivery.pk)
    (received,) = receiver.received()
    verify(endpoint.secret, received)
    with pytest.raises(WebhookVerificationError):
        verify(EndpointFactory().secret, received)
    received.body = received.body.replace(b'"data": {"id": 1}', b'"data": {"id": 2}')
    with pytest.raises(WebhookVerificationError):
        verify(endpoint.secret, received)


def test_an_oversized_payload_is_replaced_by_its_id_to_stay_under_64_kib(territory):
    event = publish(territory, "user_record.updated", {"id": 9, "notes": "x" * 100_000})
    body = json.loads(signing.body(event, "msg_test"))
    assert body["data"] == {"id": 9, "truncated": True}
    assert len(signing.body(event, "msg_test")) < signing.MAX_BODY_BYTES


# --- schedule and failures (time frozen) ---


def test_failed_attempts_follow_the_schedule_then_give_up(receiver, territory):  # noqa: F811
    receiver.replies["/hook"] = Reply(500, body=b"panne")
    delivery = DeliveryFactory(endpoint=hook(territory, receiver))
    with time_machine.travel(START, tick=False) as traveller:
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        for step, delay in enumerate(sending.SCHEDULE, start=1):
            sending.attempt_delivery(delivery.pk)
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.PENDING
            waited = delivery.next_attempt_at - timezone.now()
            assert delay * 0.9 <= waited <= delay * 1.1, step
            # Not due yet: neither the sweeper nor a stray task sends it.
            assert sending.sweep() == 0
            assert sending.attempt_delivery(delivery.pk) is None
            traveller.move_to(delivery.next_attempt_at)
            if delay > sending.COUNTDOWN_LIMIT:
                assert sending.sweep() == 1  # long delays are the sweeper's
        sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts_count == sending.MAX_ATTEMPTS == 10
    assert len(receiver.received()) == 10
    assert {r.headers["webhook-id"] for r in receiver.received()} == {delivery.webhook_id}
    attempts = list(delivery.attempts.all())
    assert [a.status_code for a in attempts] == [500] * 10
    assert attempts[0].response_excerpt == "panne"
    total = attempts[-1].attempted_at - attempts[0].attempted_at
    assert timedelta(days=2, hours=12) < total < timedelta(days=3, hours=12)


def test_retry_after_is_honoured_and_capped(receiver, territory):  # noqa: F811
    receiver.replies["/lent"] = Reply(503, headers={"Retry-After": "3600"})
    receiver.replies["/tres-lent"] = Reply(429, headers={"Retry-After": str(30 * 24 * 3600)})
    slow = DeliveryFactory(endpoint=hook(territory, receiver, "/lent"))
    slower = DeliveryFactory(endpoint=hook(territory, receiver, "/tres-lent"))
    with time_machine.travel(START, tick=False):
        Delivery.objects.update(next_attempt_at=timezone.now())
        sending.attempt_delivery(slow.pk)
        sending.attempt_delivery(slower.pk)
        slow.refresh_from_db()
        slower.refresh_from_db()
        assert slow.next_attempt_at == timezone.now() + timedelta(hours=1)
        assert slower.next_attempt_at == timezone.now() + sending.RETRY_AFTER_CAP


@pytest.mark.parametrize("junk", ["²", "9" * 5000, "demain", "-5"])
def test_a_junk_retry_after_falls_back_on_the_schedule(receiver, territory, junk):  # noqa: F811
    """A Retry-After that is no usable number of seconds ("²" passes isdigit() but not
    int(), which refuses 5,000 digits too) is ignored: the schedule applies, no crash."""
    receiver.replies["/hook"] = Reply(503, headers={"Retry-After": junk})
    delivery = DeliveryFactory(endpoint=hook(territory, receiver))
    with time_machine.travel(START, tick=False):
        Delivery.objects.update(next_attempt_at=timezone.now())
        attempt = sending.attempt_delivery(delivery.pk)
        delivery.refresh_from_db()
        assert attempt.status_code == 503
        delay = delivery.next_attempt_at - timezone.now()
        assert sending.SCHEDULE[0] * 0.9 <= delay <= sending.SCHEDULE[0] * 1.1


def test_410_disables_the_endpoint_and_keeps_the_rest_pending(
    receiver,  # noqa: F811
    territory,
    admin_agent,
    django_capture_on_commit_callbacks,
):
    receiver.replies["/hook"] = Reply(410)
    endpoint = hook(territory, receiver)
    gone, waiting = DeliveryFactory(endpoint=endpoint), DeliveryFactory(endpoint=endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        sending.attempt_delivery(gone.pk)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "410" in endpoint.disabled_reason
    assert Delivery.objects.get(pk=gone.pk).status == DeliveryStatus.FAILED
    assert Delivery.objects.get(pk=waiting.pk).status == DeliveryStatus.PENDING
    assert sending.sweep() == 0 and sending.attempt_delivery(waiting.pk) is None
    assert len(receiver.received()) == 1
    assert [m.to for m in mail.outbox] == [["alice@exemple.fr"]]
    assert "désactivé" in mail.outbox[0].subject


def test_at_most_64_kib_of_the_response_is_read(receiver, territory):  # noqa: F811
    receiver.replies["/hook"] = Reply(200, body=b"x" * (1024 * 1024))
    delivery = DeliveryFactory(endpoint=hook(territory, receiver))
    attempt = sending.attempt_delivery(delivery.pk)
    attempt.refresh_from_db()
    assert attempt.succeeded
    assert len(attempt.response_excerpt) == 2000


def test_a_receiver_slower_than_the_timeout_is_a_failure(receiver, territory, monkeypatch):  # noqa: F811
    monkeypatch.setattr(sending.targets, "TOTAL_TIMEOUT", 0.3)  # 15 s in production
    receiver.replies["/hook"] = Reply(200, delay=1.0)
    delivery = DeliveryFactory(endpoint=hook(territory, receiver))
    attempt = sending.attempt_delivery(delivery.pk)
    attempt.refresh_from_db()
    assert attempt.status_code is None and "Délai de réponse dépassé" in attempt.error
    assert attempt.duration_ms < 1000
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PENDING


def test_admins_are_alerted_after_24_hours_then_the_endpoint_is_disabled_after_5_days(
    receiver,  # noqa: F811
    territory,
    admin_agent,
    django_capture_on_commit_callbacks,
):
    receiver.replies["/hook"] = Reply(500)
    endpoint = hook(territory, receiver)

    def fail_once():
        delivery = DeliveryFactory(endpoint=endpoint, next_attempt_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            sending.attempt_delivery(delivery.pk, force=True)
        endpoint.refresh_from_db()

    with time_machine.travel(START, tick=False) as traveller:
        fail_once()
        assert endpoint.failing_since == START
        traveller.shift(timedelta(hours=23))
        fail_once()
        assert mail.outbox == []
        traveller.shift(timedelta(hours=2))
        fail_once()
        fail_once()
        assert len(mail.outbox) == 1  # once, not at every failure
        assert "échec depuis 24 heures" in mail.outbox[0].subject
        assert f"/webhooks/{endpoint.pk}/" in mail.outbox[0].body

        traveller.shift(timedelta(days=4))
        fail_once()  # five days, but only 5 failed attempts
        assert endpoint.enabled
        for _ in range(5):
            fail_once()
        assert not endpoint.enabled
        assert endpoint.failed_attempts_in_row == 10
        assert "5 jours" in endpoint.disabled_reason
        assert "désactivé" in mail.outbox[-1].subject and len(mail.outbox) == 2
    # Nothing pending was thrown away: failed deliveries can be replayed.
    assert endpoint.deliveries.filter(status=DeliveryStatus.PENDING).count() == 10


def test_a_success_clears_the_failure_record(receiver, territory):  # noqa: F811
    endpoint = hook(territory, receiver, failing_since=timezone.now(), failed_attempts_in_row=4)
    sending.attempt_delivery(DeliveryFactory(endpoint=endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.failed_attempts_in_row == 0


# --- the sweeper, with the real worker ---


def test_sweeper_sends_a_delivery_whose_enqueue_was_lost(celery_worker, receiver, territory):  # noqa: F811
    endpoint = hook(territory, receiver)
    long_ago = timezone.now() - timedelta(minutes=10)
    lost = DeliveryFactory(endpoint=endpoint, next_attempt_at=long_ago, dispatched_at=long_ago)
    just_queued = DeliveryFactory(endpoint=endpoint, dispatched_at=timezone.now())

    assert sending.sweep() == 1  # the fresh one still has its own task coming

    assert receiver.wait_for(1)
    assert receiver.received()[0].headers["webhook-id"] == lost.webhook_id
    assert wait_for(lambda: Delivery.objects.get(pk=lost.pk).status == DeliveryStatus.SUCCEEDED)
    assert Delivery.objects.get(pk=just_queued.pk).status == DeliveryStatus.PENDING


def test_sweeper_drains_a_backlog_in_batches_and_does_not_requeue_at_once(territory):
    endpoint = EndpointFactory(territory=territory)
    long_ago = timezone.now() - timedelta(hours=1)
    DeliveryFactory.create_batch(5, endpoint=endpoint, next_attempt_at=long_ago, dispatched_at=None)
    DeliveryFactory(endpoint=endpoint, next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert sending.sweep(batch=2) == 5
    assert sending.sweep(batch=2) == 0


def test_sweeper_recovers_a_delivery_whose_worker_died_mid_attempt(
    celery_worker,
    receiver,  # noqa: F811
    territory,
):
    endpoint = hook(territory, receiver)
    now = timezone.now()
    # What a worker killed during its request leaves: a lease, and no attempt recorded.
    held = DeliveryFactory(
        endpoint=endpoint,
        attempts_count=1,
        claimed_until=now + timedelta(seconds=30),
        dispatched_at=None,
    )
    assert sending.sweep() == 0  # the lease still runs: maybe it is only slow

    Delivery.objects.filter(pk=held.pk).update(claimed_until=now - timedelta(seconds=1))
    from webhooks.tasks import sweep_deliveries

    sweep_deliveries.delay()

    assert receiver.wait_for(1)
    assert wait_for(lambda: Delivery.objects.get(pk=held.pk).status == DeliveryStatus.SUCCEEDED)
    held.refresh_from_db()
    assert held.attempts_count == 2 and held.claimed_until is None
    first, second = held.attempts.all()
    assert first.error == sending.INTERRUPTED
    assert second.status_code == 200


def test_two_tasks_for_one_delivery_send_it_once(celery_worker, receiver, territory):  # noqa: F811
    delivery = DeliveryFactory(endpoint=hook(territory, receiver))
    from webhooks.sending import deliver_webhook

    for _ in range(3):
        deliver_webhook.delay(delivery.pk)
    assert receiver.wait_for(1)
    time.sleep(0.5)
    assert len(receiver.received()) == 1


# --- secret rotation ---


def test_rotation_signs_with_both_secrets_during_the_overlap_then_only_the_new(
    receiver,  # noqa: F811
    territory,
    admin_agent,
):
    endpoint = hook(territory, receiver)
    old_secret = endpoint.secret
    with time_machine.travel(START, tick=False) as traveller:
        new_secret = services.rotate_secret(endpoint, timedelta(hours=24), acting_agent=admin_agent)
        sending.attempt_delivery(DeliveryFactory(endpoint=endpoint).pk)
        during = receiver.received()[-1]
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        verify(old_secret, during)
        verify(new_secret, during)

        traveller.shift(timedelta(hours=25))
        sending.attempt_delivery(DeliveryFactory(endpoint=endpoint).pk)
        after = receiver.received()[-1]
        verify(new_secret, after)
        with pytest.raises(WebhookVerificationError):
            verify(old_secret, after)


def test_rotation_without_overlap_drops_the_leaked_secret_at_once(
    receiver,  # noqa: F811
    territory,
    admin_agent,
):
    endpoint = hook(territory, receiver)
    leaked = endpoint.secret
    fresh = services.rotate_secret(endpoint, timedelta(0), acting_agent=admin_agent)
    sending.attempt_delivery(DeliveryFactory(endpoint=endpoint).pk)
    verify(fresh, receiver.received()[0])
    with pytest.raises(WebhookVerificationError):
        verify(leaked, receiver.received()[0])


# --- SSRF ---


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:{port}/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://100.64.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        # IPv6 spellings of IPv4 loopback: compatible, mapped, NAT64, translated (SIIT).
        "https://[::127.0.0.1]:{port}/hook",
        "https://[::ffff:127.0.0.1]:{port}/hook",
        "https://[64:ff9b::127.0.0.1]:{port}/hook",
        "https://[::ffff:0:127.0.0.1]:{port}/hook",
    ],
)
def test_internal_addresses_are_refused_at_connect_time(receiver, territory, settings, url):  # noqa: F811
    settings.WEBHOOKS_ALLOW_LOCAL_TARGETS = False
    endpoint = EndpointFactory(territory=territory, url=url.format(port=receiver.port))
    attempt = sending.attempt_delivery(DeliveryFactory(endpoint=endpoint).pk)
    attempt.refresh_from_db()
    assert attempt.status_code is None
    assert "adresse privée, locale ou réservée" in attempt.error
    assert receiver.received() == []


def test_plain_http_is_refused_when_local_targets_are_not_allowed(receiver, territory, settings):  # noqa: F811
    settings.WEBHOOKS_ALLOW_LOCAL_TARGETS = False
    attempt = sending.attempt_delivery(DeliveryFactory(endpoint=hook(territory, receiver)).pk)
    attempt.refresh_from_db()
    assert "https://" in attempt.error
    assert receiver.received() == []


def test_a_redirect_to_an_internal_address_is_a_failure_and_is_not_followed(territory, settings):
    # The first hop must reach the test receiver, on loopback, so local targets are
    # allowed for it; the internal address it points to is refused once they are not.
    with Receiver(host="127.0.0.2") as internal, Receiver() as public:
        public.replies["/hook"] = Reply(307, headers={"Location": internal.url("/secret")})
        delivery = DeliveryFactory(endpoint=hook(territory, public))
        attempt = sending.attempt_delivery(delivery.pk)
        settings.WEBHOOKS_ALLOW_LOCAL_TARGETS = False
        refused = sending.targets.post(internal.url("/secret").replace("http:", "https:"), b"", {})
        assert internal.received() == []
    attempt.refresh_from_db()
    assert attempt.status_code == 307 and "Redirection non suivie" in attempt.error
    assert "adresse privée, locale ou réservée" in refused.error


def test_a_proxy_in_the_workers_environment_is_not_used(receiver, territory, monkeypatch):  # noqa: F811
    # A proxy would receive the request in the target's place, its own address being the
    # one the internal-address check sees; the worker always goes straight to the target.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    attempt = sending.attempt_delivery(DeliveryFactory(endpoint=hook(territory, receiver)).pk)
    attempt.refresh_from_db()
    assert attempt.status_code == 200, attempt.error
    assert len(receiver.received()) == 1


# --- retention ---


def test_prune_removes_old_events_with_their_deliveries_and_attempts(territory):
    old = DeliveryFactory(
        endpoint=EndpointFactory(territory=territory), status=DeliveryStatus.SUCCEEDED
    )
    Attempt.objects.create(delivery=old, attempted_at=timezone.now())
    still_pending = DeliveryFactory(endpoint=old.endpoint)
    month_ago = timezone.now() - timedelta(days=31)
    Event.objects.filter(pk__in=[old.event_id, still_pending.event_id]).update(created_at=month_ago)
    recent = DeliveryFactory(endpoint=old.endpoint)
    prune_old_events()
    assert set(Delivery.objects.all()) == {recent, still_pending}
    assert not Attempt.objects.exists()
    assert Endpoint.objects.filter(pk=old.endpoint_id).exists()


# --- what the sending path changes is recorded like an admin's change ---


def test_an_endpoint_disabled_by_its_failures_is_in_the_audit_log_once(
    receiver,  # noqa: F811
    territory,
    admin_agent,
):
    receiver.replies["/hook"] = Reply(410)
    endpoint = hook(territory, receiver)
    for _ in range(2):  # the second one is sent anyway (forced) and fails again
        sending.attempt_delivery(DeliveryFactory(endpoint=endpoint).pk, force=True)
    (entry,) = AuditEntry.objects.filter(object_id=str(endpoint.pk))
    assert entry.action == "webhook_endpoint.disabled" and entry.actor is None
    assert entry.before["enabled"] is True and entry.after["enabled"] is False
    assert "410" in entry.after["disabled_reason"]
    # The webhooks configuration is audited, never published to the endpoints.
    assert not Event.objects.filter(type__startswith="webhook_endpoint.").exists()


def test_a_batch_is_claimed_sent_and_recorded_in_a_flat_number_of_queries(
    territory,
    receiver,  # noqa: F811
):
    """One task sends the deliveries of an event (or a slice of the sweeper's): one claim
    and one record for all of them, over the connection kept open to the target."""
    endpoint = hook(territory, receiver)

    def send(count):
        ids = [DeliveryFactory(endpoint=endpoint).pk for _ in range(count)]
        return count_queries(lambda: sending.attempt_deliveries(ids))

    assert send(2) == send(10) <= 8  # savepoints included
    received = receiver.received()
    assert len({r.headers["webhook-id"] for r in received}) == len(received) == 12
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 12
    assert Attempt.objects.filter(status_code=200).count() == 12
    assert len({r.peer_port for r in received}) == 1  # one connection, kept alive


def test_a_failure_in_a_batch_is_scheduled_and_the_others_succeed(
    territory,
    receiver,  # noqa: F811
):
    receiver.replies["/down"] = Reply(503)
    ok = DeliveryFactory(endpoint=hook(territory, receiver))
    down = DeliveryFactory(endpoint=hook(territory, receiver, "/down"))
    assert sending.attempt_deliveries([ok.pk, down.pk]) == 2
    ok.refresh_from_db()
    down.refresh_from_db()
    assert ok.status == DeliveryStatus.SUCCEEDED and ok.claimed_until is None
    assert down.status == DeliveryStatus.PENDING and down.schedule_step == 1
    assert down.next_attempt_at > timezone.now() and down.last_status_code == 503


def test_a_batch_lease_outlasts_every_request_sent_before_the_last(territory):
    endpoint = EndpointFactory(territory=territory)
    ids = [DeliveryFactory(endpoint=endpoint).pk for _ in range(3)]
    before = timezone.now()
    assert len(sending.claim_batch(ids)) == 3
    leases = set(Delivery.objects.values_list("claimed_until", flat=True))
    assert len(leases) == 1
    # Three requests of at most 15 s (and 5 s to connect) each: the lease holds them all.
    assert leases.pop() - before >= sending.LEASE + 2 * timedelta(seconds=20)
