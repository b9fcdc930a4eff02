"""Keeping personal data no longer than the territory decides (RGPD).

The territory chooses how long a user record is kept after its last RDV or change
(user_records: `UserRecordSettings.retention_months`); every night, what is older is
deleted or anonymised. Each feature app knows its own rows and registers a purger at
start-up (AppConfig.ready()), as it registers its publisher for `record_change`: the
ground floor imports no feature.

A purger is called with the territory, the cutoff (older than this is past retention),
`dry_run` (count only: what the admin is shown before the first run) and `batch_size`:
it works batch by batch, each batch read by primary key from where the previous one
stopped and written in its own transaction, so neither memory nor locks grow with the
territory (500,000 user records). Purgers run in their `order`: user records first (their
deletions are published), then what only anonymises.

This module also registers the journal's own purger: audit entries older than the
cutoff keep which fields changed, not the personal values (`changes.minimised`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import transaction
from django.db.models import Q, QuerySet

from config.numbers import plain_int
from territories.changes import anonymous_repr, minimised, personal_kinds
from territories.models import AuditEntry, Territory

BATCH_SIZE = 1000


@dataclass
class Outcome:
    """What a purger did (or, in a dry run, would do): rows, and batches written."""

    count: int = 0
    batches: int = 0


@dataclass(frozen=True)
class Purger:
    key: str
    label: str  # what the admin reads beside the count: "fiches usagers supprimées"
    run: Callable[..., Outcome]  # (territory, cutoff, *, dry_run, batch_size) -> Outcome
    order: int = 50


_purgers: dict[str, Purger] = {}


def register_purger(purger: Purger) -> None:
    _purgers[purger.key] = purger


def purgers() -> list[Purger]:
    return sorted(_purgers.values(), key=lambda purger: (purger.order, purger.key))


def purge(
    territory: Territory, cutoff: datetime, *, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> list[tuple[Purger, Outcome]]:
    """Run every purger on the territory (inside its scope: the caller opens it)."""
    return [
        (purger, purger.run(territory, cutoff, dry_run=dry_run, batch_size=batch_size))
        for purger in purgers()
    ]


def pk_batches(rows: QuerySet, batch_size: int) -> Iterator[list[int]]:
    """The primary keys of `rows`, batch by batch, by increasing pk from where the last
    batch stopped (a keyset: each batch is one indexed read, however far it is). The rows
    of a batch may be gone by the time the next one is read: the condition is asked again."""
    last = 0
    while True:
        batch = list(
            rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def run_batches(rows: QuerySet, batch_size: int, write: Callable[[list[int]], int]) -> Outcome:
    outcome = Outcome()
    for batch in pk_batches(rows, batch_size):
        outcome.count += write(batch)
        outcome.batches += 1
    return outcome


def _personal_audit(territory: Territory, cutoff: datetime) -> QuerySet:
    condition = Q(pk__in=[])
    for kind, keys in personal_kinds().items():
        holds = Q(before__has_any_keys=list(keys)) | Q(after__has_any_keys=list(keys))
        condition |= Q(action__startswith=f"{kind}.") & holds
    return AuditEntry.objects.filter(territory=territory, created_at__lt=cutoff).filter(condition)


def purge_audit(
    territory: Territory, cutoff: datetime, *, dry_run: bool, batch_size: int
) -> Outcome:
    """Old journal entries about people keep which fields changed, not the values."""
    rows = _personal_audit(territory, cutoff)
    if dry_run:
        return Outcome(count=rows.count())
    kinds = personal_kinds()

    @transaction.atomic
    def write(batch: list[int]) -> int:
        entries = list(AuditEntry.objects.filter(territory=territory, pk__in=batch))
        for entry in entries:
            keys = kinds.get(entry.action.split(".", 1)[0], frozenset())
            entry.before = minimised(entry.before, keys)
            entry.after = minimised(entry.after, keys)
            pk = plain_int(entry.object_id)
            if pk is not None and entry.object_type:
                model = apps.get_model(entry.object_type)
                entry.object_repr = anonymous_repr(model(pk=pk))
        AuditEntry.objects.bulk_update(entries, ["before", "after", "object_repr"])
        return len(entries)

    return run_batches(rows, batch_size, write)


register_purger(
    Purger("audit", "entrées du journal dont les données personnelles sont effacées", purge_audit)
)
