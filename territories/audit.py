"""The audit log: one `record` call per configuration change, inside the service's transaction."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from territories.models import AuditEntry, Territory


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe picture of some fields of an object, for before/after."""
    encoder = DjangoJSONEncoder()
    picture: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif not isinstance(value, str | int | float | bool | type(None) | list | dict):
            value = encoder.default(value)
        picture[name] = value
    return picture


def record(
    territory: Territory,
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    object_repr: str | None = None,
) -> AuditEntry:
    """`object_repr`: how the journal names the object, when its `str()` would copy
    personal data (a person's name)."""
    if object_repr is None:
        object_repr = str(obj) if obj is not None else ""
    return AuditEntry.objects.create(
        territory=territory,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=object_repr[:300],
        before=None if before is None else json_safe(before),
        after=None if after is None else json_safe(after),
    )


def json_safe(value: dict) -> dict:
    """Dates, decimals and UUIDs as the text a webhook consumer and the audit log keep."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
