"""Every write on user records and their configuration, each recording its change
(`territories.changes.record_change`).

Services re-read the row they change under a lock: "before" must be what the
database holds, and an edit form shown with another version is refused."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from territories.changes import check_version, record_change
from territories.models import AgentRole, Territory
from user_records.fields import HIDEABLE_FIELDS
from user_records.models import CustomField, UserRecord, UserRecordSettings
from user_records.payloads import (
    custom_field_payload,
    user_record_payload,
    user_record_settings_payload,
)
from user_records.usage import check_custom_field_change


def _merge_custom_values(stored: dict, changes: dict[str, Any]) -> dict[str, Any]:
    """Values of fields not in the form (archived, not asked) are kept; emptied ones go."""
    merged = dict(stored or {})
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _record_user_record(record: UserRecord, action: str, acting_agent, before=None) -> None:
    payload = user_record_payload(record)
    record_change(
        record.territory,
        action,
        record,
        acting_agent=acting_agent,
        payload=payload,
        before=before,
        organisations=payload["organisation_ids"],
    )


@transaction.atomic
def create_user_record(
    territory: Territory,
    values: dict[str, Any],
    custom_values: dict[str, Any],
    *,
    organisations=None,
    acting_agent,
) -> UserRecord:
    """`values`: standard fields; `custom_values`: by stable key. The record is followed
    by `organisations` when given (the agent's choice, online booking), else by the
    creating agent's organisations in the territory."""
    record = UserRecord.objects.create(
        territory=territory, custom_values=_merge_custom_values({}, custom_values), **values
    )
    if organisations is not None:
        record.organisations.set(organisations)
    elif acting_agent is not None and acting_agent.is_authenticated:
        organisation_ids = AgentRole.objects.filter(
            agent=acting_agent, organisation__territory=territory
        ).values_list("organisation_id", flat=True)
        record.organisations.set(list(organisation_ids))
    _record_user_record(record, "user_record.created", acting_agent)
    return record


@transaction.atomic
def follow_in_organisation(organisation, records, *, acting_agent) -> list[UserRecord]:
    """The records become known in `organisation` (they have an RDV there), so that its
    agents see them: those it did not follow yet are added, each change recorded.
    Returns them."""
    wanted = {getattr(record, "pk", record) for record in records}
    newcomers = list(
        UserRecord.objects.select_for_update()
        .filter(territory=organisation.territory_id, pk__in=wanted)
        .exclude(organisations=organisation)
        .order_by("pk")
    )
    for record in newcomers:
        before = user_record_payload(record)
        record.organisations.add(organisation)
        _record_user_record(record, "user_record.updated", acting_agent, before)
    return newcomers


@transaction.atomic
def update_user_record(
    record: UserRecord,
    values: dict[str, Any],
    custom_values: dict[str, Any],
    *,
    acting_agent,
    version: str | None = None,
) -> UserRecord:
    """Only the given fields change: hidden standard fields and custom fields that are
    not in the form keep their stored values."""
    record = UserRecord.objects.select_for_update().get(territory=record.territory_id, pk=record.pk)
    before = user_record_payload(record)
    for name, value in values.items():
        setattr(record, name, value)
    record.custom_values = _merge_custom_values(record.custom_values, custom_values)
    if user_record_payload(record) == before:  # saved unchanged (or twice): nothing to tell
        return record
    check_version(before, version)
    record.save(update_fields=[*values, "custom_values", "updated_at"])
    _record_user_record(record, "user_record.updated", acting_agent, before)
    return record


@transaction.atomic
def set_hidden_fields(
    territory: Territory, hidden: list[str], *, acting_agent, version: str | None = None
) -> UserRecordSettings:
    """Hide these standard fields (first and last name cannot be hidden); values stay."""
    settings, created = UserRecordSettings.objects.select_for_update().get_or_create(
        territory=territory
    )
    before = user_record_settings_payload(settings)
    settings.hidden_fields = [name for name in HIDEABLE_FIELDS if name in set(hidden)]
    after = user_record_settings_payload(settings)
    if after == before:
        return settings
    check_version(before, version)
    settings.save(update_fields=["hidden_fields", "updated_at"])
    record_change(
        territory,
        "user_record_settings.updated",
        settings,
        acting_agent=acting_agent,
        payload=after,
        # The territory's first choice creates its settings: the audit keeps it whole.
        before=None if created else before,
    )
    return settings


def _new_key(territory: Territory, label: str) -> str:
    """Generated once from the label; never changes afterwards (webhooks rely on it)."""
    base = re.sub(r"[-_]+", "_", slugify(label))[:40].strip("_") or "champ"
    while True:
        key = f"{base}_{secrets.token_hex(3)}"
        if not CustomField.objects.filter(territory=territory, key=key).exists():
            return key


def _record_field(field: CustomField, action: str, acting_agent, before=None) -> None:
    record_change(
        field.territory,
        f"custom_field.{action}",
        field,
        acting_agent=acting_agent,
        payload=custom_field_payload(field),
        before=before,
    )


def _next_position(territory_id: int) -> int:
    last = CustomField.objects.filter(territory=territory_id).aggregate(last=Max("position"))
    return (last["last"] or 0) + 1


@transaction.atomic
def create_custom_field(
    territory: Territory, values: dict[str, Any], *, acting_agent
) -> CustomField:
    field = CustomField.objects.create(
        territory=territory,
        key=_new_key(territory, values["label"]),
        position=_next_position(territory.pk),
        **values,
    )
    _record_field(field, "created", acting_agent)
    return field


def _lock(field: CustomField) -> CustomField:
    return CustomField.objects.select_for_update().get(territory=field.territory_id, pk=field.pk)


@transaction.atomic
def update_custom_field(
    field: CustomField,
    values: dict[str, Any],
    *,
    acting_agent,
    version: str | None = None,
) -> CustomField:
    """Refused (ServiceError) if the change would make stored values invalid."""
    field = _lock(field)
    before = custom_field_payload(field)
    check_custom_field_change(field, values["field_type"], values["choices"])
    for name, value in values.items():
        setattr(field, name, value)
    if custom_field_payload(field) == before:
        return field
    check_version(before, version)
    field.save(update_fields=list(values))
    _record_field(field, "updated", acting_agent, before)
    return field


@transaction.atomic
def move_custom_field(field: CustomField, offset: int, *, acting_agent) -> CustomField:
    """Swap the field with its neighbour among the active fields (offset -1 up, +1 down)."""
    fields = list(
        CustomField.objects.select_for_update()
        .filter(territory=field.territory_id, archived_at__isnull=True)
        .order_by("position", "pk")
    )
    index = next((i for i, f in enumerate(fields) if f.pk == field.pk), None)
    if index is None:  # archived meanwhile (stale page): it has no place in the order
        return CustomField.objects.get(pk=field.pk)
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
    _record_field(moved, "updated", acting_agent, before)
    return moved


@transaction.atomic
def archive_custom_field(field: CustomField, *, acting_agent) -> CustomField:
    """Gone from forms and pages; stored values are kept (restoring shows them again)."""
    field = _lock(field)
    if field.archived_at is not None:  # double submit: nothing changes, nothing to tell
        return field
    before = custom_field_payload(field)
    field.archived_at = timezone.now()
    field.save(update_fields=["archived_at"])
    _record_field(field, "archived", acting_agent, before)
    return field


@transaction.atomic
def restore_custom_field(field: CustomField, *, acting_agent) -> CustomField:
    field = _lock(field)
    if field.archived_at is None:  # double submit: it keeps its place in the order
        return field
    before = custom_field_payload(field)
    field.archived_at = None
    field.position = _next_position(field.territory_id)
    field.save(update_fields=["archived_at", "position"])
    _record_field(field, "restored", acting_agent, before)
    return field
