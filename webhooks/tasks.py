from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from webhooks.models import Event

EVENT_RETENTION = timedelta(days=30)


@shared_task
def prune_old_events() -> int:
    """Nightly (Celery beat): events are kept 30 days."""
    with scopes_disabled():
        deleted, _ = Event.objects.filter(created_at__lt=timezone.now() - EVENT_RETENTION).delete()
    return deleted
