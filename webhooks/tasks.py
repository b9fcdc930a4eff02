from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from territories.tasks import CrossTerritoryTask
from webhooks import sending
from webhooks.backfill import send_backfill_batch  # noqa: F401  (registered for the worker)
from webhooks.models import DeliveryStatus, Event

EVENT_RETENTION = timedelta(days=30)

# deliver_webhook, the task that sends one delivery, is defined in webhooks.sending,
# beside the code that queues it again: no import circle between the two modules. The
# same goes for send_backfill_batch (webhooks.backfill), imported here for the worker.


@shared_task(base=CrossTerritoryTask)
def sweep_deliveries() -> int:
    """Every 30 s (Celery beat): re-queue due deliveries whose task was lost or whose
    worker died, and retries whose delay has passed (of every territory)."""
    return sending.sweep()


@shared_task(base=CrossTerritoryTask)
def prune_old_events() -> int:
    """Nightly (Celery beat): events are kept 30 days, with their deliveries and attempts;
    an event still pending for a disabled endpoint is kept until it leaves."""
    deleted, _ = (
        Event.objects.filter(created_at__lt=timezone.now() - EVENT_RETENTION)
        .exclude(deliveries__status=DeliveryStatus.PENDING)
        .delete()
    )
    return deleted
