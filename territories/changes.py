"""Recording a change: the one call every service makes after it writes something that
matters (what pretix's `log_action` is to its models).

One call writes, in the caller's transaction, the audit entry and — through the
publishers registered by feature apps (the webhooks app registers its outbox) — the
webhook event. The action name *is* the event type (`motif.updated`, `rdv.cancelled`):
one naming for both, checked against the catalogue of known types.

The ground floor (this app) imports no feature: feature apps register what must
happen on a change at start-up (`register_publisher` in their AppConfig.ready()).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.db import models, transaction

from territories.audit import json_safe, record
from territories.models import AuditEntry, Territory


class Publisher(Protocol):
    def __call__(
        self,
        territory: Territory,
        event_type: str,
        payload: dict[str, Any],
        *,
        organisations: Iterable,
    ) -> Any: ...


_publishers: list[Publisher] = []
_known_types: set[str] = set()


def register_publisher(publisher: Publisher, known_types: Iterable[str]) -> None:
    """Called once per process by a feature app (webhooks) in its AppConfig.ready()."""
    if publisher not in _publishers:
        _publishers.append(publisher)
    _known_types.update(known_types)


def known_types() -> frozenset[str]:
    return frozenset(_known_types)


@transaction.atomic
def record_change(
    territory: Territory,
    action: str,
    obj: models.Model | None,
    *,
    acting_agent,
    payload: dict[str, Any],
    before: dict[str, Any] | None = None,
    organisations: Iterable = (),
    deleted: bool = False,
) -> AuditEntry:
    """Publish `action` with `payload` and leave its audit entry, atomically.

    `payload` is the object as it is after the change — for a deletion (`deleted=True`),
    as it was before; `before` is the audit's before-picture (None for a creation);
    `acting_agent` is None for a usager or the system. `organisations` narrows the
    webhook endpoints restricted to some organisations.
    """
    if _known_types and action not in _known_types:
        raise ValueError(f"{action!r} is not a known event type")
    clean = json_safe(payload)
    organisations = list(organisations)
    for publisher in _publishers:
        publisher(territory, action, clean, organisations=organisations)
    return record(
        territory,
        acting_agent,
        action,
        obj,
        before=before,
        after=None if deleted else clean,
    )
