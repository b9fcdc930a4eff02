"""Support staff's edits in the Django admin are recorded like a service's change: the
same actions (webhook event and audit entry through `record_change`), with the staff
member as acting agent.

A ModelAdmin using `RecordedChangesAdmin` says which objects, as one territory sees
them, an edit of its model may change (`recorded_subjects`), how each reads now in the
database (`recorded_state`) and how a change of it is named (`recorded_action`). The
mixin pictures them before a save or a deletion and after it (inlines and many-to-many
included); every picture that differs becomes one recorded change. An edit that
changes nothing a territory sees records nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from django.db import models, transaction

from territories.changes import record_change
from territories.models import Territory

Key = tuple[int, Hashable]  # (territory id, the subject within it)
State = tuple[models.Model | None, dict[str, Any] | None]  # (object, payload); None: absent


def reread(instance: models.Model | None) -> models.Model | None:
    """The row as the database holds it now (None if it is gone or was never saved);
    the base manager ignores territory scopes, as the admin does."""
    if instance is None or instance.pk is None:
        return None
    return type(instance)._base_manager.filter(pk=instance.pk).first()


class RecordedChangesAdmin:
    """Mixin for a ModelAdmin: record every save and deletion (see the module)."""

    def recorded_subjects(self, obj) -> Iterable[Key]:
        """What an edit of `obj` may change: (territory id, key) pairs; a key of None is
        skipped (an object not saved yet)."""
        return [(obj.territory_id, obj.pk)]

    def recorded_state(self, territory: Territory, key: Hashable) -> State:
        raise NotImplementedError

    def recorded_action(self, before: dict | None, after: dict | None) -> str:
        raise NotImplementedError

    def recorded_organisations(self, before: dict | None, after: dict | None) -> Iterable:
        return ()

    # -- the pictures ------------------------------------------------------------------

    def _subjects(self, *objects) -> set[Key]:
        return {
            key
            for obj in objects
            if obj is not None
            for key in self.recorded_subjects(obj)
            if key[1] is not None
        }

    def _pictures(self, keys: Iterable[Key]) -> dict[Key, State]:
        territories = Territory.objects.in_bulk({territory_id for territory_id, _ in keys})
        return {key: self.recorded_state(territories[key[0]], key[1]) for key in keys}

    def _record(self, request, before: dict[Key, State], objects) -> None:
        keys = set(before) | self._subjects(*objects)
        after = self._pictures(keys)
        territories = Territory.objects.in_bulk({territory_id for territory_id, _ in keys})
        for key, (obj, payload) in after.items():
            previous_obj, previous = before.get(key, (None, None))
            if payload == previous:
                continue
            record_change(
                territories[key[0]],
                self.recorded_action(previous, payload),
                obj or previous_obj,
                acting_agent=request.user,
                payload=payload if payload is not None else previous,
                before=previous if payload is not None else None,
                organisations=self.recorded_organisations(previous, payload),
                deleted=payload is None,
            )

    # -- ModelAdmin hooks ----------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        stored = reread(obj) if change else None
        # What the form changed in memory is not saved yet: the pictures are the database's.
        form._recorded_before = self._pictures(self._subjects(obj, stored))
        form._recorded_objects = [obj, stored]
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._record(request, form._recorded_before, form._recorded_objects)

    def delete_model(self, request, obj):
        with transaction.atomic():
            before = self._pictures(self._subjects(obj))
            super().delete_model(request, obj)
            self._record(request, before, [])

    def delete_queryset(self, request, queryset):
        # One by one, so that each deletion is recorded like the page's delete button.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


def crud_action(kind: str, before: dict | None, after: dict | None) -> str:
    """`<kind>.created`, `.deleted` or `.updated`: the names most objects' changes take."""
    if before is None:
        return f"{kind}.created"
    if after is None:
        return f"{kind}.deleted"
    return f"{kind}.updated"


def archive_action(kind: str, before: dict | None, after: dict | None, restored: str) -> str:
    """For objects archived and restored: `<kind>.archived`, `restored`, else crud."""
    if before is not None and after is not None:
        if before["archived_at"] is None and after["archived_at"] is not None:
            return f"{kind}.archived"
        if before["archived_at"] is not None and after["archived_at"] is None:
            return restored
    return crud_action(kind, before, after)
