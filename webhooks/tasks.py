from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from webhooks import sending
from webhooks.models import DeliveryStatus, Event

EVENT_RETENTION = timedelta(days=30)


@shared_task(acks_late=True, max_retries=0)
def deliver_webhook(delivery_id: int) -> None:
    """Queue `webhooks`. One attempt; a failure is scheduled in the row, never retried here."""
    with scopes_disabled():
        sending.attempt_delivery(delivery_id)


@shared_task
def sweep_deliveries() -> int:
    """Every 30 s (Celery beat): re-queue due deliveries whose task was lost or whose
    worker died, and retries whose delay has passed."""
    with scopes_disabled():
        return sending.sweep()


@shared_task
def prune_old_events() -> int:
    """Nightly (Celery beat): events are kept 30 days, with their deliveries and attempts;
    an event still pending for a disabled endpoint is kept until it leaves."""
    with scopes_disabled():
        deleted, _ = (
            Event.objects.filter(created_at__lt=timezone.now() - EVENT_RETENTION)
            .exclude(deliveries__status=DeliveryStatus.PENDING)
            .delete()
        )
    return deleted
