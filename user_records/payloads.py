"""What webhook events and audit entries say about user records and their
configuration: plain dicts, built field by field (made JSON-safe once, by
`territories.changes.record_change`)."""

from __future__ import annotations

from typing import Any

from user_records.fields import STANDARD_FIELDS
from user_records.models import CustomField, UserRecord, UserRecordSettings


def user_record_payload(record: UserRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "territory_id": record.territory_id,
        "organisation_ids": sorted(o.pk for o in record.organisations.all()),
        **{name: getattr(record, name) for name in STANDARD_FIELDS},
        "custom_values": dict(record.custom_values or {}),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def custom_field_payload(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.pk,
        "territory_id": field.territory_id,
        "key": field.key,
        "label": field.label,
        "field_type": field.field_type,
        "help_text": field.help_text,
        "required": field.required,
        "choices": list(field.choices),
        "asked_in_booking": field.asked_in_booking,
        "position": field.position,
        "archived_at": field.archived_at,
    }


def user_record_settings_payload(settings: UserRecordSettings) -> dict[str, Any]:
    return {"territory_id": settings.territory_id, "hidden_fields": list(settings.hidden_fields)}
