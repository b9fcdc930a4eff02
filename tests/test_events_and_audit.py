from datetime import date

import pytest
from django.db import transaction

from territories.audit import record, snapshot
from territories.changes import record_change
from territories.models import AuditEntry
from webhooks.events import publish
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def test_a_change_is_recorded_in_the_callers_transaction(territory, organisation, transactional_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_change(
            territory, "organisation.updated", organisation, acting_agent=None, payload={"id": 1}
        )
        raise RuntimeError("the change failed")
    assert not Event.objects.exists()
    assert not AuditEntry.objects.exists()

    with transaction.atomic():
        record_change(
            territory,
            "organisation.updated",
            organisation,
            acting_agent=None,
            payload={"id": 1, "day": date(2026, 11, 26)},
        )
    event = Event.objects.get()
    assert event.payload == {"id": 1, "day": "2026-11-26"}
    assert AuditEntry.objects.get().after == event.payload


def test_publish_refuses_a_type_missing_from_the_subscription_catalogue(territory):
    with pytest.raises(ValueError):
        publish(territory, "updated", {})
    with pytest.raises(ValueError):
        publish(territory, "availability.created", {})  # ranges are availability_range.*


def test_record_keeps_actor_object_and_before_after(territory, organisation, admin_agent):
    before = snapshot(organisation, ["name", "phone"])
    organisation.name = "MDS Valence centre"
    entry = record(
        territory,
        admin_agent,
        "organisation.updated",
        organisation,
        before=before,
        after=snapshot(organisation, ["name", "phone"]),
    )
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor == admin_agent
    assert entry.object_type == "territories.organisation"
    assert entry.before["name"] == "Maison des solidarités de Valence"
    assert entry.after["name"] == "MDS Valence centre"
