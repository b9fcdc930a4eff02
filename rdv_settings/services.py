"""Writes of the "Fiches RDV" section, recording their change
(`territories.changes.record_change`)."""

from django.db import transaction

from rdv_settings.models import RdvSettings
from rdv_settings.payloads import rdv_settings_payload
from territories.changes import check_version, record_change
from territories.models import Territory

REMINDER_FIELDS = ["reminder_email_delay", "reminder_sms_delay"]


@transaction.atomic
def update_rdv_settings(
    territory: Territory,
    *,
    context_enabled: bool,
    waiting_room_mode: str,
    reminder_email_delay: int | None = None,
    reminder_sms_delay: int | None = None,
    acting_agent,
    version: str | None = None,
) -> RdvSettings:
    rdv_settings, _ = RdvSettings.objects.select_for_update().get_or_create(territory=territory)
    before = rdv_settings_payload(rdv_settings)
    rdv_settings.context_enabled = context_enabled
    rdv_settings.waiting_room_mode = waiting_room_mode
    # None: unchanged (callers that only set the other fields).
    if reminder_email_delay is not None:
        rdv_settings.reminder_email_delay = reminder_email_delay
    if reminder_sms_delay is not None:
        rdv_settings.reminder_sms_delay = reminder_sms_delay
    after = rdv_settings_payload(rdv_settings)
    if after == before:
        return rdv_settings
    check_version(before, version)
    rdv_settings.save(
        update_fields=[*REMINDER_FIELDS, "context_enabled", "waiting_room_mode", "updated_at"]
    )
    record_change(
        territory,
        "rdv_settings.updated",
        rdv_settings,
        acting_agent=acting_agent,
        payload=after,
        before=before,
    )
    return rdv_settings
