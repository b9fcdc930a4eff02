"""Every write on user records and their configuration, each recording its change
(`territories.changes.record_change`).

Services re-read the row they change under a lock: "before" must be what the
database holds, and an edit form shown with another version is refused."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.text import slugify

from notifications.retention import forget_recipients
from territories import permissions
from territories.changes import anonymous_repr, check_version, minimised, record_change
from territories.errors import Conflict, ServiceError
from territories.models import AgentRole, AuditEntry, Territory
from user_records.duplicates import flag_duplicates
from user_records.fields import HIDEABLE_FIELDS, STANDARD_FIELDS, hidden_fields, label_taken
from user_records.models import (
    DUPLICATE_LABEL_MESSAGE,
    CustomField,
    DuplicatePair,
    RetentionPeriod,
    UserRecord,
    UserRecordSettings,
)
from user_records.payloads import (
    PERSONAL_KEYS,
    custom_field_payload,
    retention_payload,
    user_record_deleted_payload,
    user_record_payload,
    user_record_settings_payload,
)
from user_records.usage import check_custom_field_change

MERGE_REFUSED = (
    "Vous ne pouvez pas fusionner ces fiches : l'une d'elles est suivie par une "
    "organisation où vous ne travaillez pas."
)
MERGE_SAME = "Choisissez deux fiches différentes."
RECORD_GONE = "L'une de ces fiches vient d'être supprimée ou fusionnée."
IDENTITY_FIELDS = ("first_name", "last_name", "birth_date", "email", "phone")


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
    flag_duplicates(record)
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
    if set(values) & set(IDENTITY_FIELDS):
        flag_duplicates(record)
    return record


def _scrub_history(territory_id: int, record_ids: list[int]) -> None:
    """The journal of erased records keeps which fields changed, not their values, and
    names them by id: nothing left in it says who the person was."""
    entries = list(
        AuditEntry.objects.filter(
            territory=territory_id,
            object_type=UserRecord._meta.label_lower,
            object_id__in=[str(pk) for pk in record_ids],
        )
    )
    for entry in entries:
        entry.before = minimised(entry.before, PERSONAL_KEYS)
        entry.after = minimised(entry.after, PERSONAL_KEYS)
        entry.object_repr = anonymous_repr(UserRecord(pk=int(entry.object_id)))
    AuditEntry.objects.bulk_update(entries, ["before", "after", "object_repr"])


def _anonymise_rdvs(territory_id: int, record_ids: list[int]) -> None:
    """RDVs stay (statistics need them) without their usager: the link goes with the
    record, and an RDV left with no usager loses its free-text context, which may name
    the person."""
    rdvs = UserRecord.rdvs.field.model._base_manager
    alone = (
        rdvs.filter(territory=territory_id, user_records__in=record_ids)
        .annotate(usagers=Count("user_records"))
        .filter(usagers=1)
        .values("pk")
    )
    rdvs.filter(pk__in=alone).exclude(context="").update(context="")


def _record_deletion(record: UserRecord, acting_agent, *, reason="", merged_into=None) -> None:
    payload = user_record_deleted_payload(record, merged_into=merged_into)
    record_change(
        record.territory,
        "user_record.deleted",
        record,
        acting_agent=acting_agent,
        payload=payload,
        organisations=payload["organisation_ids"],
        deleted=True,
        reason=reason,
    )


def _erase(records: list[UserRecord], acting_agent, reason: str) -> None:
    """Delete locked records, each deletion recorded (published with `reason`)."""
    if not records:
        return
    territory = records[0].territory
    ids = [record.pk for record in records]
    for record in records:
        _record_deletion(record, acting_agent, reason=reason)
    rdv_ids = UserRecord.rdvs.through.objects.filter(userrecord__in=ids).values_list(
        "rdv", flat=True
    )
    forget_recipients(
        territory.pk, rdv_ids, [value for r in records for value in (r.email, r.phone)]
    )
    _anonymise_rdvs(territory.pk, ids)
    _scrub_history(territory.pk, ids)
    UserRecord.objects.filter(territory=territory, pk__in=ids).delete()


@transaction.atomic
def delete_user_record(record: UserRecord, *, acting_agent) -> None:
    """Erase a person on their request (or support staff's deletion in the Django
    admin): the record goes, its RDVs stay anonymised, the journal keeps no personal
    data of it, and consumers are told (`user_record.deleted`). Who may: the view asks
    `permissions.may_delete_user_record`; the Django admin's staff may."""
    record = (
        UserRecord.objects.select_for_update()
        .filter(territory=record.territory_id, pk=record.pk)
        .first()
    )
    if record is None:  # deleted meanwhile (a second click): nothing left to do
        return
    _erase([record], acting_agent, reason="")


@transaction.atomic
def delete_past_retention(territory: Territory, record_ids: list[int]) -> int:
    """The nightly clean-up's deletion of one batch of records whose retention period is
    over (user_records/retention.py chose them): published with reason "rgpd", so
    consumers unlink them instead of deleting their own data. Returns how many went."""
    records = list(
        UserRecord.objects.select_for_update()
        .filter(territory=territory, pk__in=record_ids)
        .select_related("territory")
        .prefetch_related("organisations")
        .order_by("pk")
    )
    _erase(records, None, reason="rgpd")
    return len(records)


def _merged_values(kept: UserRecord, merged: UserRecord, choices: dict[str, str]) -> None:
    """Field by field, the value `choices` names ("kept" or "merged"); a field not
    chosen keeps the kept record's value, or takes the other's where it is empty."""
    for name in STANDARD_FIELDS:
        mine, theirs = getattr(kept, name), getattr(merged, name)
        if choices.get(name) == "merged" or (name not in choices and mine in (None, "")):
            setattr(kept, name, theirs)
    values = dict(kept.custom_values or {})
    for key, value in (merged.custom_values or {}).items():
        if choices.get(key) == "merged" or (key not in choices and values.get(key) in (None, "")):
            values[key] = value
    kept.custom_values = values


@transaction.atomic
def merge_user_records(
    kept: UserRecord, merged: UserRecord, choices: dict[str, str], *, acting_agent
) -> UserRecord:
    """One person, one record: `merged` goes into `kept`. Its RDVs, custom values,
    organisations and journal move to `kept`; `choices` says field by field whose value
    stays. Consumers receive `user_record.deleted` for `merged` (with `merged_into_id`)
    and `user_record.updated` for `kept`. Refused when the agent does not work in every
    organisation that follows either record."""
    if kept.pk == merged.pk:
        raise ServiceError(MERGE_SAME)
    territory = kept.territory
    locked = {
        record.pk: record
        for record in UserRecord.objects.select_for_update()
        .filter(territory=territory, pk__in=[kept.pk, merged.pk])
        .order_by("pk")
    }
    if len(locked) < 2:
        raise ServiceError(RECORD_GONE)
    kept, merged = locked[kept.pk], locked[merged.pk]
    if acting_agent is not None and not permissions.may_merge_user_records(
        acting_agent, territory, [kept, merged]
    ):
        raise ServiceError(MERGE_REFUSED)
    hidden = hidden_fields(territory)
    before = user_record_payload(kept, hidden)
    _merged_values(kept, merged, choices)
    kept.save(update_fields=[*STANDARD_FIELDS, "custom_values", "updated_at"])
    kept.organisations.add(*merged.organisations.all())
    links = UserRecord.rdvs.through._base_manager
    already = links.filter(userrecord_id=kept.pk).values("rdv_id")
    links.filter(userrecord_id=merged.pk, rdv_id__in=already).delete()
    links.filter(userrecord_id=merged.pk).update(userrecord_id=kept.pk)
    # The merged record's history becomes the survivor's.
    AuditEntry.objects.filter(
        territory=territory,
        object_type=UserRecord._meta.label_lower,
        object_id=str(merged.pk),
    ).update(object_id=str(kept.pk))
    _record_deletion(merged, acting_agent, merged_into=kept)
    merged.delete()
    kept = UserRecord.objects.get(territory=territory, pk=kept.pk)
    _record_user_record(kept, "user_record.updated", acting_agent, before)
    flag_duplicates(kept)
    return kept


@transaction.atomic
def dismiss_duplicate(pair: DuplicatePair, *, acting_agent) -> DuplicatePair:
    """ "Ce ne sont pas des doublons": the pair leaves the screen and is not flagged
    again. Audited only (nothing a consumer holds changes)."""
    pair = DuplicatePair.objects.select_for_update().get(territory=pair.territory_id, pk=pair.pk)
    if pair.dismissed_at is not None:
        return pair
    pair.dismissed_at = timezone.now()
    pair.save(update_fields=["dismissed_at"])
    record_change(
        pair.territory,
        "duplicate_pair.dismissed",
        pair,
        acting_agent=acting_agent,
        payload={"id": pair.pk, "first_id": pair.first_id, "second_id": pair.second_id},
        before={"id": pair.pk, "dismissed": False},
    )
    return pair


@transaction.atomic
def set_retention(
    territory: Territory, months: int, *, acting_agent, start: bool = False
) -> UserRecordSettings:
    """How long records are kept after their last RDV or change; `start` switches the
    nightly clean-up on (once an admin has seen what it would delete). Audited only:
    the systems fed by webhooks hold their own rules."""
    if months not in RetentionPeriod.values:
        raise ServiceError("Choisissez une durée de conservation proposée.")
    settings, created = UserRecordSettings.objects.select_for_update().get_or_create(
        territory=territory
    )
    before = retention_payload(settings)
    settings.retention_months = months
    if start and settings.retention_started_at is None:
        settings.retention_started_at = timezone.now()
    after = retention_payload(settings)
    if after == before:
        return settings
    settings.save(update_fields=["retention_months", "retention_started_at", "updated_at"])
    record_change(
        territory,
        "user_record_retention.updated",
        settings,
        acting_agent=acting_agent,
        payload=after,
        before=None if created else before,
    )
    return settings


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


def _saved_field(field: CustomField, **kwargs) -> None:
    """Save; a label another admin took meanwhile is refused in French (the database's
    partial unique constraint has the last word)."""
    try:
        with transaction.atomic():
            field.save(**kwargs)
    except IntegrityError as error:
        if "unique_active_custom_field_label" not in str(error):
            raise
        raise Conflict(DUPLICATE_LABEL_MESSAGE, field="label") from error


@transaction.atomic
def create_custom_field(
    territory: Territory, values: dict[str, Any], *, acting_agent
) -> CustomField:
    field = CustomField(
        territory=territory,
        key=_new_key(territory, values["label"]),
        position=_next_position(territory.pk),
        **values,
    )
    _saved_field(field, force_insert=True)
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
    _saved_field(field, update_fields=list(values))
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
    if label_taken(field.territory_id, field.label):
        raise Conflict(
            f"Un champ personnalisé actif porte déjà le libellé « {field.label} » : "
            "renommez-le ou archivez-le avant de restaurer celui-ci."
        )
    field.archived_at = None
    field.position = _next_position(field.territory_id)
    _saved_field(field, update_fields=["archived_at", "position"])
    _record_field(field, "restored", acting_agent, before)
    return field
