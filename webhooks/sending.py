"""Sending deliveries: claim with a lease, POST, record the attempt, schedule the next one.

Every path claims through `claim_batch`: the Celery tasks after commit and the
sweeper's re-queued ones (`attempt_deliveries`), the admin's synchronous "send a test
event" (`attempt_delivery`). A delivery is claimed with `SELECT … FOR UPDATE SKIP
LOCKED` and leased (`claimed_until`), so two tasks for the same delivery send it once,
and a worker that dies mid-request only delays it until the lease expires. A task sends a batch
(the deliveries of an event, or a slice of the sweeper's): claimed together, leased
long enough for all of its requests, successes recorded together.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from config.mail import send_templated_mail
from territories.changes import record_change
from territories.tasks import TerritoryTask
from webhooks import rdvsp, signing, targets
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint
from webhooks.payloads import endpoint_payload

logger = logging.getLogger(__name__)

# Delay after the 1st, 2nd… failed attempt: 10 attempts over about three days.
SCHEDULE = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
]
MAX_ATTEMPTS = len(SCHEDULE) + 1
JITTER = 0.1  # ± 10 %, so that an endpoint's failures do not retry in lockstep
RETRY_AFTER_CAP = timedelta(hours=24)
# Longer than the 15 s a request may take: a live worker never loses its claim.
LEASE = timedelta(seconds=60)
# What one request of a batch may take at most (connection, 15 s of answer, margin).
REQUEST_TIME = timedelta(seconds=targets.CONNECT_TIMEOUT + targets.TOTAL_TIMEOUT + 5)
# A queued task that has not run after this long is presumed lost: the sweeper re-queues.
# Generous, because under a backlog queued tasks are late, not lost (and a duplicate
# task costs a claim query).
REDISPATCH_AFTER = timedelta(minutes=5)
# Short retries ride a Celery countdown; longer ones wait in the row for the sweeper.
COUNTDOWN_LIMIT = timedelta(seconds=60)
ALERT_AFTER = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)
DISABLE_MIN_FAILED_ATTEMPTS = 10
INTERRUPTED = "Tentative interrompue : le traitement s'est arrêté avant la réponse."


# Deliveries sent by one task: one claim and one record for all of them (the
# deliveries of an event, or a slice of what the sweeper found), few enough that a slow
# endpoint (15 s at most) holds back little else.
TASK_BATCH = 10


def enqueue(delivery_ids, *, countdown: float | None = None) -> None:
    """Queue the sending tasks once the current transaction commits. The deliveries are
    of one territory (the task runs in its scope).

    `robust`: if the broker is down, the change the caller made still stands (the
    error is logged) and the sweeper sends the deliveries once it is back.
    """
    ids = list(delivery_ids)
    if ids:
        transaction.on_commit(lambda: _send_tasks(ids, countdown), robust=True)


def _send_tasks(ids: list[int], countdown: float | None) -> None:
    # One broker connection for all the deliveries of an event.
    with deliver_webhooks.app.producer_or_acquire() as producer:
        for first in range(0, len(ids), TASK_BATCH):
            batch = ids[first : first + TASK_BATCH]
            deliver_webhooks.apply_async((batch,), countdown=countdown, producer=producer)


def due_q(now) -> Q:
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return Q(status=DeliveryStatus.PENDING, endpoint__enabled=True, next_attempt_at__lte=now) & (
        unclaimed
    )


def claim(delivery_id: int, *, force: bool = False) -> Delivery | None:
    """Take the delivery for one attempt, or None if it is not due or someone holds it.

    `force` (the test event, a click) sends even to a disabled endpoint.
    """
    claimed = claim_batch([delivery_id], force=force)
    return claimed[0] if claimed else None


def claim_batch(delivery_ids: list[int], *, force: bool = False) -> list[Delivery]:
    """Take, for one attempt each, those of the deliveries that are due and that no one
    holds (`SELECT … FOR UPDATE SKIP LOCKED`: a delivery another worker is claiming is
    left to it), in one transaction and two or three queries whatever their number."""
    now = timezone.now()
    with transaction.atomic():
        deliveries = Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        if force:
            condition = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        else:
            condition = due_q(now)
        claimed = list(
            deliveries.filter(condition, pk__in=delivery_ids)
            .select_related("event", "endpoint")
            .order_by("pk")
        )
        if not claimed:
            return []
        # They are sent one after the other: the last one's lease must outlast the
        # requests before it, so that a live worker never loses its claim.
        lease = now + LEASE + (len(claimed) - 1) * REQUEST_TIME
        # A previous claim whose lease expired without a result: its worker died.
        Attempt.objects.bulk_create(
            Attempt(delivery=d, attempted_at=d.claimed_until - LEASE, error=INTERRUPTED)
            for d in claimed
            if d.claimed_until is not None
        )
        # Whatever was queued has run: if this worker dies, the sweeper takes the
        # deliveries as soon as the lease expires.
        Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            attempts_count=F("attempts_count") + 1, claimed_until=lease, dispatched_at=None
        )
    for delivery in claimed:
        delivery.attempts_count += 1
        delivery.claimed_until = lease
        delivery.dispatched_at = None
    return claimed


def transmit(delivery: Delivery) -> targets.Response:
    endpoint = delivery.endpoint
    if delivery.body:
        # Built when the change was recorded: the RDV Service Public format.
        body, content_type, legacy = delivery.body.encode(), rdvsp.CONTENT_TYPE, True
    else:
        body = signing.body(delivery.event, delivery.webhook_id)
        content_type, legacy = "application/json", endpoint.legacy_signature
    secrets = [endpoint.secret]
    expiry = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expiry and expiry > timezone.now():
        secrets.append(endpoint.previous_secret)
    headers = signing.headers(
        webhook_id=delivery.webhook_id,
        timestamp=int(time.time()),
        body=body,
        secrets_=secrets,
        legacy=legacy,
        content_type=content_type,
    )
    return targets.post(endpoint.url, body, headers)


# Both sending tasks are routed to the `webhooks` queue by their names; a failure is
# scheduled in the row, never retried by Celery.
SENDING_TASK = {"base": TerritoryTask, "acks_late": True, "max_retries": 0}


@shared_task(
    name="webhooks.tasks.deliver_webhook",
    territory_from=(Delivery, "delivery_id"),
    **SENDING_TASK,
)
def deliver_webhook(delivery_id: int) -> None:
    """Queue `webhooks`. One attempt; a failure is scheduled in the row, never retried here.
    (Tasks queued before batches existed, and single sends.)"""
    attempt_delivery(delivery_id)


@shared_task(
    name="webhooks.tasks.deliver_webhooks",
    territory_from=(Delivery, "delivery_ids"),
    **SENDING_TASK,
)
def deliver_webhooks(delivery_ids: list[int]) -> None:
    """Queue `webhooks`. One attempt of each delivery (of one territory) that is due."""
    attempt_deliveries(delivery_ids)


def attempt_delivery(delivery_id: int, *, force: bool = False) -> Attempt | None:
    """One attempt of a delivery if it is due; returns the recorded attempt."""
    delivery = claim(delivery_id, force=force)
    if delivery is None:
        return None
    attempted_at = timezone.now()
    response = transmit(delivery)
    return record(delivery, attempted_at, response)


def attempt_deliveries(delivery_ids: list[int]) -> int:
    """One attempt of each due delivery among `delivery_ids`; returns how many were sent.
    Successes (the usual case) are recorded together; a failure goes through `record`,
    which schedules its retry."""
    claimed = claim_batch(delivery_ids)
    succeeded: list[tuple[Delivery, Attempt]] = []
    for delivery in claimed:
        attempted_at = timezone.now()
        if attempted_at + REQUEST_TIME > delivery.claimed_until:
            # Too late to be sure of answering within the lease (it cannot happen while
            # requests keep to their timeouts): the rest is left to expire and be swept.
            break
        response = transmit(delivery)
        if response.succeeded:
            succeeded.append((delivery, _attempt(delivery, attempted_at, response)))
        else:
            record(delivery, attempted_at, response)
    if succeeded:
        record_successes(succeeded)
    return len(claimed)


def _attempt(delivery: Delivery, attempted_at, response: targets.Response) -> Attempt:
    return Attempt(
        delivery=delivery,
        attempted_at=attempted_at,
        duration_ms=response.duration_ms,
        status_code=response.status_code,
        error=response.error[:500],
        response_excerpt=response.excerpt,
    )


@transaction.atomic
def record_successes(succeeded: list[tuple[Delivery, Attempt]]) -> None:
    """Log the attempts and mark the deliveries our leases still hold as succeeded: one
    insert and one update per claim time (a batch shares one)."""
    now = timezone.now()
    Attempt.objects.bulk_create(attempt for _, attempt in succeeded)
    by_lease: dict = {}
    for delivery, attempt in succeeded:
        by_lease.setdefault(delivery.claimed_until, []).append((delivery.pk, attempt))
    for lease, rows in by_lease.items():
        # A row whose lease ran out was taken over by another worker: it owns the outcome.
        for status_code in {attempt.status_code for _, attempt in rows}:
            Delivery.objects.filter(
                pk__in=[pk for pk, attempt in rows if attempt.status_code == status_code],
                claimed_until=lease,
            ).update(
                claimed_until=None,
                last_status_code=status_code,
                status=DeliveryStatus.SUCCEEDED,
                succeeded_at=now,
                next_attempt_at=None,
            )
    recovered = {d.endpoint_id for d, _ in succeeded if d.endpoint.failing_since is not None}
    if recovered:
        Endpoint.objects.filter(pk__in=recovered).update(
            failing_since=None, failed_attempts_in_row=0, failure_alert_sent_at=None
        )


def next_delay(step: int, retry_after: timedelta | None) -> timedelta:
    delay = SCHEDULE[step - 1] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
    return delay


@transaction.atomic
def record(delivery: Delivery, attempted_at, response: targets.Response) -> Attempt:
    """Log the attempt and decide what comes next, if our lease still holds the delivery."""
    now = timezone.now()
    attempt = _attempt(delivery, attempted_at, response)
    attempt.save()
    ours = Delivery.objects.filter(pk=delivery.pk, claimed_until=delivery.claimed_until)
    outcome = {"claimed_until": None, "last_status_code": response.status_code}
    if response.succeeded:
        # Zero rows: our lease ran out and another worker took over; it owns the outcome.
        ours.update(
            **outcome, status=DeliveryStatus.SUCCEEDED, succeeded_at=now, next_attempt_at=None
        )
        if delivery.endpoint.failing_since is not None:
            Endpoint.objects.filter(pk=delivery.endpoint_id).update(
                failing_since=None, failed_attempts_in_row=0, failure_alert_sent_at=None
            )
        return attempt
    step = delivery.schedule_step + 1
    outcome["schedule_step"] = step
    if response.status_code == 410 or step >= MAX_ATTEMPTS:
        outcome.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        countdown = None
    else:
        delay = next_delay(step, response.retry_after)
        countdown = delay.total_seconds() if delay <= COUNTDOWN_LIMIT else None
        # A long delay leaves the row undispatched: the sweeper sends it when due.
        outcome.update(next_attempt_at=now + delay, dispatched_at=now if countdown else None)
    if not ours.update(**outcome):
        return attempt
    if countdown:
        enqueue([delivery.pk], countdown=countdown)
    note_failure(delivery.endpoint_id, now, gone=response.status_code == 410)
    return attempt


def note_failure(endpoint_id: int, now, *, gone: bool) -> None:
    """Count a failed attempt against its endpoint: alert after 24 h, disable after 5 days."""
    # The endpoint row only, and without blocking key-share locks: the admins' writes
    # key-share lock the territory and the endpoint when their event's deliveries are
    # checked at commit; locking the territory here as well deadlocked with them.
    endpoint = (
        Endpoint.objects.select_for_update(no_key=True, of=("self",))
        .select_related("territory")
        .get(pk=endpoint_id)
    )
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.failed_attempts_in_row += 1
    fields = ["failing_since", "failed_attempts_in_row"]
    failing_for = now - endpoint.failing_since
    if endpoint.enabled and gone:
        disable(endpoint, "Le serveur a répondu 410 (Gone) : l'adresse n'existe plus.", now)
        return
    if (
        endpoint.enabled
        and failing_for >= DISABLE_AFTER
        and endpoint.failed_attempts_in_row >= DISABLE_MIN_FAILED_ATTEMPTS
    ):
        disable(endpoint, "Échecs continus depuis plus de 5 jours.", now)
        return
    if endpoint.enabled and failing_for >= ALERT_AFTER and not endpoint.failure_alert_sent_at:
        endpoint.failure_alert_sent_at = now
        fields.append("failure_alert_sent_at")
        mail_admins_of(endpoint, "webhooks/mail/endpoint_failing")
    endpoint.save(update_fields=fields)


def disable(endpoint: Endpoint, reason: str, now) -> None:
    """Disable a failing endpoint (its failure count already updated in memory), tell its
    territory's admins, and record the change like an admin's (no one acted: the system)."""
    before = endpoint_payload(endpoint)  # the failure counters are not part of it
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.save(
        update_fields=[
            "failing_since",
            "failed_attempts_in_row",
            "enabled",
            "disabled_reason",
            "disabled_at",
        ]
    )
    record_change(
        endpoint.territory,
        "webhook_endpoint.disabled",
        endpoint,
        acting_agent=None,
        payload=endpoint_payload(endpoint),
        before=before,
    )
    mail_admins_of(endpoint, "webhooks/mail/endpoint_disabled")


def mail_admins_of(endpoint: Endpoint, template_prefix: str) -> None:
    recipients = list(
        get_user_model()
        .objects.filter(territory_admin_roles__territory=endpoint.territory_id, is_active=True)
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    path = reverse(
        "webhooks:endpoint_detail",
        kwargs={"territory_pk": endpoint.territory_id, "endpoint_pk": endpoint.pk},
    )
    context = {"endpoint": endpoint, "territory": endpoint.territory, "path": path}
    transaction.on_commit(lambda: send_templated_mail(template_prefix, context, recipients))


def sweep(batch: int = 500, max_batches: int = 20) -> int:
    """Re-queue what is due and not in anyone's hands: lost tasks, expired leases, retries.

    Batches keep each transaction short; a backlog (an endpoint back after an outage)
    drains at up to `batch * max_batches` deliveries per sweep.
    """
    total = 0
    for _ in range(max_batches):
        queued = _sweep_batch(batch)
        total += queued
        if queued < batch:
            break
    if total:
        logger.info("Webhook sweeper queued %d deliveries", total)
    return total


def _sweep_batch(batch: int) -> int:
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due_q(now))
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER))
            .order_by("next_attempt_at")
            .values_list("pk", "territory_id")[:batch]
        )
        Delivery.objects.filter(pk__in=[pk for pk, _ in rows]).update(dispatched_at=now)
        # A task runs in one territory's scope: its batch is of one territory.
        by_territory: dict[int, list[int]] = {}
        for pk, territory_id in rows:
            by_territory.setdefault(territory_id, []).append(pk)
        for ids in by_territory.values():
            enqueue(ids)
    return len(rows)
