"""Every write on user records and their configuration: atomic, with event and audit entry.

Services re-read the row they change under a lock: forms may have touched the
instance in memory, and "before" must be what the database holds."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from agents.models import AgentRole
from territories.audit import json_safe
from territories.audit import record as audit
from territories.models import Territory
from user_records.fields import HIDEABLE_FIELDS, STANDARD_FIELDS
from user_records.models import CustomField, UserRecord, UserRecordSettings
from user_records.usage import check_custom_field_change
from webhooks.events import publish

CUSTOM_FIELD_ATTRIBUTES = [
    "label",
    "field_type",
    "help_text",
    "required",
    "choices",
    "asked_in_booking",
]


def user_record_payload(record: UserRecord) -> dict[str, Any]:
    return json_safe(
        {
            "id": record.pk,
            "territory_id": record.territory_id,
            "organisation_ids": sorted(o.pk for o in record.organisations.all()),
            **{name: getattr(record, name) for name in STANDARD_FIELDS},
            "custom_values": dict(record.custom_values or {}),
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }
    )


def custom_field_payload(field: CustomField) -> dict[str, Any]:
    return json_safe(
        {
            "id": field.pk,
            "territory_id": field.territory_id,
            "key": field.key,
            **{name: getattr(field, name) for name in CUSTOM_FIELD_ATTRIBUTES},
            "position": field.position,
            "archived_at": field.archived_at,
        }
    )


def settings_payload(settings: UserRecordSettings) -> dict[str, Any]:
    return {"territory_id": settings.territory_id, "hidden_fields": list(settings.hidden_fields)}


def _merge_custom_values(stored: dict, changes: dict[str, Any]) -> dict[str, Any]:
    """Values of fields not in the form (archived, not asked) are kept; emptied ones go."""
    merged = dict(stored or {})
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


@transaction.atomic
def create_user_record(
    territory: Territory,
    actor,
    values: dict[str, Any],
    custom_values: dict[str, Any],
    *,
    organisations=None,
) -> UserRecord:
    """`values`: standard fields; `custom_values`: by stable key. The record is followed
    by `organisations` when given (online booking), else by the creating agent's
    organisations in the territory."""
    record = UserRecord.objects.create(
        territory=territory, custom_values=_merge_custom_values({}, custom_values), **values
    )
    if organisations is not None:
        record.organisations.set(organisations)
    elif actor is not None and actor.is_authenticated:
        organisation_ids = AgentRole.objects.filter(
            agent=actor, organisation__territory=territory
        ).values_list("organisation_id", flat=True)
        record.organisations.set(list(organisation_ids))
    payload = user_record_payload(record)
    publish(territory, "user_record.created", payload, organisations=payload["organisation_ids"])
    audit(territory, actor, "user_record.created", record, after=payload)
    return record


@transaction.atomic
def update_user_record(
    territory: Territory,
    actor,
    record: UserRecord,
    values: dict[str, Any],
    custom_values: dict[str, Any],
) -> UserRecord:
    """Only the given fields change: hidden standard fields and custom fields that are
    not in the form keep their stored values."""
    record = UserRecord.objects.select_for_update().get(territory=territory, pk=record.pk)
    before = user_record_payload(record)
    for name, value in values.items():
        setattr(record, name, value)
    record.custom_values = _merge_custom_values(record.custom_values, custom_values)
    if user_record_payload(record) == before:  # saved unchanged (or twice): nothing to tell
        return record
    record.save(update_fields=[*values, "custom_values", "updated_at"])
    after = user_record_payload(record)
    publish(territory, "user_record.updated", after, organisations=after["organisation_ids"])
    audit(territory, actor, "user_record.updated", record, before=before, after=after)
    return record


@transaction.atomic
def set_hidden_fields(territory: Territory, actor, hidden: list[str]) -> UserRecordSettings:
    """Hide these standard fields (first and last name cannot be hidden); values stay."""
    settings, _ = UserRecordSettings.objects.select_for_update().get_or_create(territory=territory)
    before = settings_payload(settings)
    settings.hidden_fields = [name for name in HIDEABLE_FIELDS if name in set(hidden)]
    settings.save(update_fields=["hidden_fields", "updated_at"])
    after = settings_payload(settings)
    publish(territory, "user_record_settings.updated", after)
    audit(territory, actor, "user_record_settings.updated", settings, before=before, after=after)
    return settings


def _new_key(territory: Territory, label: str) -> str:
    """Generated once from the label; never changes afterwards (webhooks rely on it)."""
    base = re.sub(r"[-_]+", "_", slugify(label))[:40].strip("_") or "champ"
    while True:
        key = f"{base}_{secrets.token_hex(3)}"
        if not CustomField.objects.filter(territory=territory, key=key).exists():
            return key


def _emit_field_change(territory, actor, action: str, field: CustomField, before=None) -> None:
    after = custom_field_payload(field)
    publish(territory, f"custom_field.{action}", after)
    audit(territory, actor, f"custom_field.{action}", field, before=before, after=after)


def _next_position(territory: Territory) -> int:
    last = CustomField.objects.filter(territory=territory).aggregate(last=Max("position"))
    return (last["last"] or 0) + 1


@transaction.atomic
def create_custom_field(territory: Territory, actor, values: dict[str, Any]) -> CustomField:
    field = CustomField.objects.create(
        territory=territory,
        key=_new_key(territory, values["label"]),
        position=_next_position(territory),
        **values,
    )
    _emit_field_change(territory, actor, "created", field)
    return field


def _lock(territory: Territory, field: CustomField) -> CustomField:
    return CustomField.objects.select_for_update().get(territory=territory, pk=field.pk)


@transaction.atomic
def update_custom_field(
    territory: Territory, actor, field: CustomField, values: dict[str, Any]
) -> CustomField:
    """Raises ValidationError if the change would make stored values invalid."""
    field = _lock(territory, field)
    check_custom_field_change(field, values["field_type"], values["choices"])
    before = custom_field_payload(field)
    for name, value in values.items():
        setattr(field, name, value)
    field.save(update_fields=list(values))
    _emit_field_change(territory, actor, "updated", field, before)
    return field


@transaction.atomic
def move_custom_field(territory: Territory, actor, field: CustomField, offset: int) -> CustomField:
    """Swap the field with its neighbour among the active fields (offset -1 up, +1 down)."""
    fields = list(
        CustomField.objects.select_for_update()
        .filter(territory=territory, archived_at__isnull=True)
        .order_by("position", "pk")
    )
    index = next((i for i, f in enumerate(fields) if f.pk == field.pk), None)
    if index is None:  # archived meanwhile (stale page): it has no place in the order
        return field
    target = index + offset
    if not 0 <= target < len(fields):
        return fields[index]
    before = custom_field_payload(fields[index])
    fields[index], fields[target] = fields[target], fields[index]
    # Renumbering the whole list also repairs ties left by earlier restores.
    for position, item in enumerate(fields, start=1):
        item.position = position
    CustomField.objects.bulk_update(fields, ["position"])
    moved = fields[target]
    _emit_field_change(territory, actor, "updated", moved, before)
    return moved


@transaction.atomic
def archive_custom_field(territory: Territory, actor, field: CustomField) -> CustomField:
    """Gone from forms and pages; stored values are kept (restoring shows them again)."""
    field = _lock(territory, field)
    if field.archived_at is not None:  # double submit: nothing changes, nothing to tell
        return field
    before = custom_field_payload(field)
    field.archived_at = timezone.now()
    field.save(update_fields=["archived_at"])
    _emit_field_change(territory, actor, "archived", field, before)
    return field


@transaction.atomic
def restore_custom_field(territory: Territory, actor, field: CustomField) -> CustomField:
    field = _lock(territory, field)
    if field.archived_at is None:  # double submit: it keeps its place in the order
        return field
    before = custom_field_payload(field)
    field.archived_at = None
    field.position = _next_position(territory)
    field.save(update_fields=["archived_at", "position"])
    _emit_field_change(territory, actor, "restored", field, before)
    return field
