"""Integration: a real Celery worker, over the real (embedded) Redis broker."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from tests.factories import EventFactory
from webhooks.models import Event
from webhooks.tasks import prune_old_events

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_worker_runs_a_task_that_commits_to_the_database(celery_worker, territory):
    old = EventFactory(territory=territory)
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = EventFactory(territory=territory)

    prune_old_events.delay()

    with scopes_disabled():
        assert wait_for(lambda: not Event.objects.filter(pk=old.pk).exists())
        assert Event.objects.filter(pk=recent.pk).exists()


def test_password_reset_mail_is_sent_by_the_worker_after_commit(celery_worker, client, admin_agent):
    response = client.post(reverse("password_reset"), {"email": "alice@exemple.fr"})
    assert response.status_code == 302
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert re.search(r"/mot-de-passe/nouveau/", mail.outbox[0].body)
