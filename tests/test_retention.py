"""Kept no longer than the territory decides: the retention setting and its dry run, the
nightly clean-up (a real Celery worker, a real webhook receiver), in batches."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from notifications.models import SentMessage
from notifications.retention import ERASED
from territories.models import AuditEntry
from territories.retention import purge
from tests.factories import EndpointFactory, RdvFactory, UserRecordFactory
from tests.test_celery import wait_for
from tests.webhook_receiver import receiver  # noqa: F401
from user_records import services
from user_records.models import UserRecord, UserRecordSettings
from user_records.retention import cutoff, purge_user_records
from user_records.tasks import apply_retention
from webhooks.models import Event

pytestmark = pytest.mark.usefixtures("in_territory")


def aged(record, days: int):
    """The record as if last changed `days` ago."""
    UserRecord.objects.filter(pk=record.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return record


def rdv_of(record, days_ago: int, **fields):
    starts_at = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    rdv = RdvFactory(
        territory=record.territory,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        **fields,
    )
    rdv.user_records.set([record])
    return rdv


def start(territory, months=24):
    return UserRecordSettings.objects.update_or_create(
        territory=territory,
        defaults={"retention_months": months, "retention_started_at": timezone.now()},
    )[0]


def test_a_record_is_past_retention_once_both_its_last_change_and_last_rdv_are(
    territory, admin_agent
):
    forgotten = aged(UserRecordFactory(territory=territory), 800)
    changed_lately = aged(UserRecordFactory(territory=territory), 100)
    seen_lately = aged(UserRecordFactory(territory=territory), 800)
    rdv_of(seen_lately, 30)
    coming = aged(UserRecordFactory(territory=territory), 800)
    rdv_of(coming, -10)
    old_rdv = rdv_of(forgotten, 790, context="Mme Durand, très inquiète")

    outcome = purge_user_records(territory, cutoff(24), dry_run=True, batch_size=100)
    assert outcome.count == 1
    purge(territory, cutoff(24))

    assert set(UserRecord.objects.all()) == {changed_lately, seen_lately, coming}
    old_rdv.refresh_from_db()
    assert list(old_rdv.user_records.all()) == []  # kept for statistics, anonymised
    assert old_rdv.context == ""


def test_the_nightly_task_deletes_with_reason_rgpd_and_the_consumer_is_told(
    celery_worker,
    receiver,  # noqa: F811
    territory,
    organisation,
):
    endpoint = EndpointFactory(territory=territory, url=receiver.url("/hook"))
    record = aged(UserRecordFactory(territory=territory, organisations=[organisation]), 400)
    kept = aged(UserRecordFactory(territory=territory), 100)
    old_event = Event.objects.create(territory=territory, type="rdv.created", payload={"id": 1})
    Event.objects.filter(pk=old_event.pk).update(created_at=timezone.now() - timedelta(days=400))
    new = UserRecordFactory(territory=territory)

    start(territory, months=12)
    apply_retention.delay()

    assert wait_for(lambda: not UserRecord.objects.filter(pk=record.pk).exists())
    assert set(UserRecord.objects.all()) == {kept, new}
    event = Event.objects.get(type="user_record.deleted")
    assert event.reason == "rgpd" and event.payload["id"] == record.pk
    # Events are purged after the records, in the same run.
    assert wait_for(lambda: not Event.objects.filter(pk=old_event.pk).exists())
    assert receiver.wait_for(1)
    body = json.loads(receiver.received()[0].body)
    assert body["type"] == "user_record.deleted"
    assert body["reason"] == "rgpd"
    assert "email" not in body["data"]
    assert wait_for(lambda: endpoint.deliveries.filter(status="succeeded").exists())


def test_nothing_is_deleted_before_an_admin_started_the_clean_up(territory):
    aged(UserRecordFactory(territory=territory), 2000)
    UserRecordSettings.objects.create(territory=territory, retention_months=6)
    apply_retention.apply()
    assert UserRecord.objects.count() == 1


def test_a_large_territory_is_cleaned_in_bounded_batches(territory):
    """25 records past retention, batches of 10: three batches, each reading at most 10
    ids from where the last one stopped (memory does not grow with the territory)."""
    UserRecord.objects.bulk_create(
        UserRecord(territory=territory, first_name="Usager", last_name=f"N{n}") for n in range(25)
    )
    UserRecord.objects.update(updated_at=timezone.now() - timedelta(days=1000))
    with CaptureQueriesContext(connection) as captured:
        outcome = purge_user_records(territory, cutoff(24), dry_run=False, batch_size=10)
    assert (outcome.count, outcome.batches) == (25, 3)
    reads = [q["sql"] for q in captured.captured_queries if "LIMIT 10" in q["sql"]]
    assert len(reads) == 4  # three batches, and the read that finds nothing left
    assert not UserRecord.objects.exists()
    assert Event.objects.filter(type="user_record.deleted", reason="rgpd").count() == 25

    # The work per record is constant (no query grows with what was read before).
    def queries_for(count):
        UserRecord.objects.bulk_create(
            UserRecord(territory=territory, first_name="U", last_name=f"M{n}") for n in range(count)
        )
        UserRecord.objects.update(updated_at=timezone.now() - timedelta(days=1000))
        with CaptureQueriesContext(connection) as run:
            purge_user_records(territory, cutoff(24), dry_run=False, batch_size=count)
        return len(run.captured_queries)

    five, ten, fifteen = queries_for(5), queries_for(10), queries_for(15)
    assert ten - five == fifteen - ten


def test_old_journal_entries_keep_which_fields_changed_not_the_values(territory, admin_agent):
    record = UserRecordFactory(territory=territory, last_name="Martin")
    services.update_user_record(record, {"last_name": "Dupont"}, {}, acting_agent=admin_agent)
    entry = AuditEntry.objects.get(action="user_record.updated")
    assert entry.after["last_name"] == "Dupont"  # recent: the change is readable
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(days=900))
    purge(territory, cutoff(24))
    entry.refresh_from_db()
    assert "Dupont" not in json.dumps([entry.before, entry.after, entry.object_repr])
    assert entry.after["personal_fields"] == ["last_name"]


def test_old_sent_messages_forget_their_recipient(territory):
    old = rdv_of(UserRecordFactory(territory=territory), days_ago=900)
    recent = rdv_of(UserRecordFactory(territory=territory), days_ago=3)
    for rdv, days in ((old, 900), (recent, 3)):
        SentMessage.objects.create(
            territory=territory,
            rdv=rdv,
            channel="email",
            kind="rdv_created",
            summary="RDV confirmé",
            recipient=f"usager{rdv.pk}@exemple.fr",
            sent_at=timezone.now() - timedelta(days=days),
        )
    purge(territory, cutoff(24))
    assert old.sent_messages.get().recipient == ERASED
    assert recent.sent_messages.get().recipient == f"usager{recent.pk}@exemple.fr"


# --- the setting and its dry run ---


def retention_url(territory):
    return reverse("user_records:retention", args=[territory.pk])


def test_the_admin_sees_the_dry_run_then_starts_the_clean_up(
    client, territory, admin_agent, basic_agent
):
    for _ in range(3):
        aged(UserRecordFactory(territory=territory), 800)
    aged(UserRecordFactory(territory=territory), 200)
    client.force_login(admin_agent)
    page = client.get(retention_url(territory)).content.decode()
    assert "2 ans" in page
    assert "<strong>3</strong> fiches usagers supprimées" in page
    assert "pas encore activée" in page

    client.post(retention_url(territory), {"retention_months": "6"})
    page = client.get(retention_url(territory)).content.decode()
    assert "<strong>4</strong> fiches usagers supprimées" in page
    assert UserRecordSettings.objects.get().retention_started_at is None
    assert UserRecord.objects.count() == 4  # a dry run deletes nothing

    client.post(retention_url(territory), {"retention_months": "6", "start": "on"})
    settings = UserRecordSettings.objects.get()
    assert settings.retention_started_at is not None and settings.retention_months == 6
    assert AuditEntry.objects.filter(action="user_record_retention.updated").count() == 2

    client.force_login(basic_agent)
    assert client.get(retention_url(territory)).status_code == 403


def test_an_unknown_period_is_refused_with_a_sentence(client, territory, admin_agent):
    client.force_login(admin_agent)
    response = client.post(retention_url(territory), {"retention_months": "1"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_each_territory_is_cleaned_in_its_own_scope(territory, other_territory):
    aged(UserRecordFactory(territory=territory), 900)
    with scope(territory=other_territory):
        other = aged(UserRecordFactory(territory=other_territory), 900)
        start(other_territory)
    apply_retention.apply()
    assert UserRecord.objects.filter(territory=territory).count() == 1
    with scope(territory=other_territory):
        assert not UserRecord.objects.filter(pk=other.pk).exists()
