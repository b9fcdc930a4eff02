"""Writes of the "Fiches RDV" section, recording their change
(`territories.changes.record_change`)."""

from django.db import transaction

from rdv_settings.models import RdvSettings
from rdv_settings.payloads import rdv_settings_payload
from territories.changes import check_version, record_change
from territories.models import Territory


@transaction.atomic
def update_rdv_settings(
    territory: Territory,
    *,
    context_enabled: bool,
    waiting_room_mode: str,
    acting_agent,
    version: str | None = None,
) -> RdvSettings:
    rdv_settings, _ = RdvSettings.objects.select_for_update().get_or_create(territory=territory)
    before = rdv_settings_payload(rdv_settings)
    rdv_settings.context_enabled = context_enabled
    rdv_settings.waiting_room_mode = waiting_room_mode
    after = rdv_settings_payload(rdv_settings)
    if after == before:
        return rdv_settings
    check_version(before, version)
    rdv_settings.save(update_fields=["context_enabled", "waiting_room_mode", "updated_at"])
    record_change(
        territory,
        "rdv_settings.updated",
        rdv_settings,
        acting_agent=acting_agent,
        payload=after,
        before=before,
    )
    return rdv_settings
