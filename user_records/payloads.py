"""What webhook events and audit entries say about user records and their
configuration: plain dicts, built field by field (made JSON-safe once, by
`territories.changes.record_change`).

Minimisation: a record's payload leaves out the standard fields the territory hides
(its agents do not use them: no one else receives them), and a deleted record is told by
its ids and names only. `PERSONAL_KEYS` are the keys the audit journal does not copy
(registered in UserRecordsConfig.ready())."""

from __future__ import annotations

from typing import Any

from user_records.fields import STANDARD_FIELDS, hidden_fields
from user_records.models import CustomField, UserRecord, UserRecordSettings

PERSONAL_KEYS = [*STANDARD_FIELDS, "custom_values"]


def user_record_payload(record: UserRecord, hidden: frozenset[str] | None = None) -> dict[str, Any]:
    """`hidden`: the territory's hidden standard fields, when the caller already knows
    them (a batch); else read."""
    if hidden is None:
        hidden = hidden_fields(record.territory_id)
    return {
        "id": record.pk,
        "territory_id": record.territory_id,
        "organisation_ids": sorted(o.pk for o in record.organisations.all()),
        **{name: getattr(record, name) for name in STANDARD_FIELDS if name not in hidden},
        "custom_values": dict(record.custom_values or {}),
        "notify_by_email": record.notify_by_email,
        "notify_by_sms": record.notify_by_sms,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def user_record_deleted_payload(
    record: UserRecord, *, merged_into: UserRecord | None = None
) -> dict[str, Any]:
    """A deleted record: who it was for the consumers to find their copy (ids, names),
    nothing more; `merged_into_id` names the record that took over its RDVs."""
    payload = {
        "id": record.pk,
        "territory_id": record.territory_id,
        "organisation_ids": sorted(o.pk for o in record.organisations.all()),
        "first_name": record.first_name,
        "last_name": record.last_name,
    }
    if merged_into is not None:
        payload["merged_into_id"] = merged_into.pk
    return payload


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


def retention_payload(settings: UserRecordSettings) -> dict[str, Any]:
    return {
        "territory_id": settings.territory_id,
        "retention_months": settings.retention_months,
        "retention_started_at": settings.retention_started_at,
    }
