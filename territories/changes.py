"""Recording a change: the one call every service makes after it writes something that
matters (what pretix's `log_action` is to its models).

One call writes, in the caller's transaction, the audit entry and — through the
publishers registered by feature apps (the webhooks app registers its outbox) — the
webhook event. The action name *is* the event type (`motif.updated`, `rdv.cancelled`):
one naming for both, checked against the catalogue of known actions. A few actions
are audited but never published (an endpoint's own configuration is no event for the
systems it feeds): feature apps register them with `register_actions`.

The audit entry keeps what changed: for an update, the keys of `before` whose value
differs in `payload`, on both sides; for a creation, the payload as "after"; for a
deletion, the payload as "before". Payloads are built as plain dicts by each app's
`payloads.py` and made JSON-safe here, once.

Minimisation (RGPD): the keys of a payload that hold a person's data are registered by
their app (`register_personal_keys("user_record", [...])`). A creation or deletion of
such an object leaves in the journal only its other keys, plus `personal_fields`: which
of those keys held a value — not a copy of them. (An update keeps the changed values of
the fields that changed, until the retention period or the person's erasure scrubs them:
`minimised`.)

A change may carry a `reason` (`"rgpd"`: deleted because the territory's retention
period is over), that publishers hand on (webhooks keep it on the event) so that
consumers unlink the object instead of deleting their own copy.

Edit forms carry the version of the object they were shown with (`version_of` its
payload); a service that finds another version under its lock refuses the write with
`StaleObject` (`check_version`) instead of silently reverting someone else's change.

The ground floor (this app) imports no feature: feature apps register what must
happen on a change at start-up (in their AppConfig.ready()).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from typing import Any, Protocol

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from territories.audit import json_safe, record
from territories.errors import StaleObject
from territories.models import AuditEntry, Territory


class Publisher(Protocol):
    def __call__(
        self,
        territory: Territory,
        event_type: str,
        payload: dict[str, Any],
        *,
        organisations: Iterable,
        before: dict[str, Any] | None,
        reason: str = "",
    ) -> Any: ...


_publishers: list[tuple[Publisher, frozenset[str]]] = []
_audit_only: set[str] = set()
_personal_keys: dict[str, frozenset[str]] = {}  # object kind ("user_record") -> keys
PERSONAL_FIELDS = "personal_fields"


def register_publisher(publisher: Publisher, known_types: Iterable[str]) -> None:
    """Called once per process by a feature app (webhooks) in its AppConfig.ready():
    `publisher` is called for every change whose action is one of `known_types`."""
    if all(registered is not publisher for registered, _ in _publishers):
        _publishers.append((publisher, frozenset(known_types)))


def register_actions(actions: Iterable[str]) -> None:
    """Actions that are audited but published to no one."""
    _audit_only.update(actions)


def register_personal_keys(kind: str, keys: Iterable[str]) -> None:
    """The payload keys of `kind` objects (the action's prefix) holding personal data."""
    _personal_keys[kind] = frozenset(_personal_keys.get(kind, frozenset()) | set(keys))


def personal_keys(action: str) -> frozenset[str]:
    return _personal_keys.get(action.split(".", 1)[0], frozenset())


def personal_kinds() -> dict[str, frozenset[str]]:
    return dict(_personal_keys)


def minimised(snapshot: dict[str, Any] | None, keys: Iterable[str]) -> dict[str, Any] | None:
    """`snapshot` without the values of `keys`: only which of them held a value."""
    if not isinstance(snapshot, dict):
        return snapshot
    keys = set(keys)
    kept = {key: value for key, value in snapshot.items() if key not in keys}
    filled = sorted(key for key in keys if snapshot.get(key) not in (None, "", [], {}))
    if PERSONAL_FIELDS in snapshot:  # already minimised
        filled = sorted(set(filled) | set(snapshot[PERSONAL_FIELDS]))
    kept[PERSONAL_FIELDS] = filled
    return kept


def published_types() -> frozenset[str]:
    return frozenset().union(*(types for _, types in _publishers))


def audit_only_actions() -> frozenset[str]:
    return frozenset(_audit_only)


def known_actions() -> frozenset[str]:
    return published_types() | audit_only_actions()


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [key for key in before if before[key] != after.get(key)]


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
    reason: str = "",
) -> AuditEntry:
    """Publish `action` with `payload` and leave its audit entry, atomically.

    `payload` is the object as it is after the change — for a deletion (`deleted=True`),
    as it was before; `before` is the payload as it was before an update (None for a
    creation); `acting_agent` is None for a usager or the system. `organisations`
    (objects or ids) narrows the webhook endpoints restricted to some organisations.
    `reason` says why, when consumers must know (`"rgpd"`: the retention period is over).
    """
    known = known_actions()
    if known and action not in known:
        raise ValueError(f"{action!r} is not a known action (webhooks.event_types)")
    clean = json_safe(payload)
    previous = None if before is None else json_safe(before)
    organisations = list(organisations)
    for publisher, types in _publishers:
        if action in types:
            # The payload before an update too: a publisher may describe the change in
            # another shape (the reference platform's: one object per organisation).
            publisher(
                territory,
                action,
                clean,
                organisations=organisations,
                before=previous,
                reason=reason,
            )
    personal = personal_keys(action)
    if deleted:
        audit_before, audit_after = minimised(clean, personal) if personal else clean, None
    elif previous is None:
        audit_before, audit_after = None, minimised(clean, personal) if personal else clean
    else:
        keys = changed_keys(previous, clean)
        audit_before = {key: previous[key] for key in keys}
        audit_after = {key: clean.get(key) for key in keys}
    return record(
        territory,
        acting_agent,
        action,
        obj,
        before=audit_before,
        after=audit_after,
        object_repr=anonymous_repr(obj) if personal and obj is not None else None,
    )


def anonymous_repr(obj: models.Model) -> str:
    """How the journal names an object holding personal data: its kind and id."""
    return f"{str(obj._meta.verbose_name).capitalize()} n° {obj.pk}"


def version_of(payload: dict[str, Any]) -> str:
    """A short digest of an object's payload: what an edit form remembers of the object
    it was shown with."""
    text = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_version(current: dict[str, Any], version: str | None) -> None:
    """Refuse a write prepared on another version of the object (None: not checked,
    e.g. a caller without a form). Services call it, under their lock, only once
    they know the write changes something: submitting twice what is already saved
    is no conflict."""
    if version and version != version_of(current):
        raise StaleObject()


class EditFormMixin:
    """For the forms of the configuration sections and user records.

    - A ModelForm validates a copy of its instance: the object the view holds keeps
      the values it was read with, and the service re-reads it under a lock.
    - An edit form carries, hidden, the `version` of the object it was shown with:
      the view gives it (`version_of` the object's payload) on GET and POST alike;
      a creation form has none. `values()` is what the service receives, without it.
    """

    def __init__(self, *args, version: str | None = None, **kwargs):
        if kwargs.get("instance") is not None:
            kwargs["instance"] = copy.copy(kwargs["instance"])
        super().__init__(*args, **kwargs)
        if version is not None:
            # Not required: a client that never saw the form (a script) is not checked.
            self.fields["version"] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=version
            )

    @property
    def shown_version(self) -> str | None:
        return self.cleaned_data.get("version") or None

    def values(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}
