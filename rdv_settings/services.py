from django.db import transaction

from rdv_settings.models import RdvSettings
from territories.audit import record, snapshot
from territories.models import Territory
from webhooks.events import publish

FIELDS = ["context_enabled", "waiting_room_mode"]


def rdv_settings_payload(rdv_settings: RdvSettings) -> dict:
    return {"territory_id": rdv_settings.territory_id, **snapshot(rdv_settings, FIELDS)}


@transaction.atomic
def update_rdv_settings(
    territory: Territory, actor, *, context_enabled: bool, waiting_room_mode: str
) -> RdvSettings:
    rdv_settings, _ = RdvSettings.objects.select_for_update().get_or_create(territory=territory)
    before = snapshot(rdv_settings, FIELDS)
    rdv_settings.context_enabled = context_enabled
    rdv_settings.waiting_room_mode = waiting_room_mode
    after = snapshot(rdv_settings, FIELDS)
    if after == before:
        return rdv_settings
    rdv_settings.save(update_fields=[*FIELDS, "updated_at"])
    record(territory, actor, "rdv_settings.updated", rdv_settings, before=before, after=after)
    publish(territory, "rdv_settings.updated", rdv_settings_payload(rdv_settings))
    return rdv_settings
