"""Writes of the Motifs section: one function per use case, each with its event and audit entry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from motifs.models import Motif
from territories.audit import record, snapshot
from territories.models import Territory
from webhooks.events import publish

MOTIF_FIELDS = [
    "name",
    "service",
    "default_duration",
    "location_type",
    "color",
    "bookable_by_public",
    "min_booking_delay",
    "max_booking_delay",
    "public_can_move",
    "instructions_before",
    "instructions_after",
    "archived_at",
]


class MotifInUse(Exception):
    """The motif is referenced (RDVs, availability ranges…): archive it instead."""


class MotifNameTaken(Exception):
    """A live motif already has this name, service and type."""


def motif_payload(motif: Motif) -> dict[str, Any]:
    picture = snapshot(motif, MOTIF_FIELDS)
    return {
        "id": motif.pk,
        "territory_id": motif.territory_id,
        "service_id": picture.pop("service"),
        "organisation_ids": sorted(motif.organisations.values_list("pk", flat=True)),
        **picture,
    }


@transaction.atomic
def create_motif(territory: Territory, actor, *, organisations: Iterable, **fields) -> Motif:
    motif = Motif.objects.create(
        territory=territory,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **fields,
    )
    motif.organisations.set(organisations)
    payload = motif_payload(motif)
    publish(territory, "motif.created", payload, organisations=payload["organisation_ids"])
    record(territory, actor, "motif.created", motif, after=payload)
    return motif


@transaction.atomic
def update_motif(motif: Motif, actor, *, organisations: Iterable, **fields) -> Motif:
    """Edit a motif, its organisations included: still one motif shared by them."""
    before = motif_payload(motif)
    changed = [name for name, value in fields.items() if getattr(motif, name) != value]
    for name in changed:
        setattr(motif, name, fields[name])
    if changed:
        motif.save(update_fields=[*changed, "updated_at"])
    motif.organisations.set(organisations)
    after = motif_payload(motif)
    if after == before:
        return motif
    # Endpoints of an organisation the motif left must hear about it too.
    concerned = set(before["organisation_ids"]) | set(after["organisation_ids"])
    publish(motif.territory, "motif.updated", after, organisations=concerned)
    changed_keys = [key for key in after if after[key] != before[key]]
    record(
        motif.territory,
        actor,
        "motif.updated",
        motif,
        before={key: before[key] for key in changed_keys},
        after={key: after[key] for key in changed_keys},
    )
    return motif


@transaction.atomic
def archive_motif(motif: Motif, actor) -> Motif:
    """Hide the motif from every choice list; existing RDVs keep it."""
    if motif.archived_at is not None:
        return motif
    motif.archived_at = timezone.now()
    motif.save(update_fields=["archived_at", "updated_at"])
    payload = motif_payload(motif)
    publish(motif.territory, "motif.archived", payload, organisations=payload["organisation_ids"])
    record(
        motif.territory,
        actor,
        "motif.archived",
        motif,
        before={"archived_at": None},
        after={"archived_at": payload["archived_at"]},
    )
    return motif


@transaction.atomic
def restore_motif(motif: Motif, actor) -> Motif:
    """Offer an archived motif again, unless a live motif has taken its place meanwhile."""
    if motif.archived_at is None:
        return motif
    clash = Motif.objects.active().filter(
        territory=motif.territory,
        name__iexact=motif.name,
        service=motif.service_id,
        location_type=motif.location_type,
    )
    if clash.exists():
        raise MotifNameTaken(motif)
    before = {"archived_at": snapshot(motif, ["archived_at"])["archived_at"]}
    motif.archived_at = None
    motif.save(update_fields=["archived_at", "updated_at"])
    payload = motif_payload(motif)
    publish(motif.territory, "motif.updated", payload, organisations=payload["organisation_ids"])
    record(
        motif.territory, actor, "motif.restored", motif, before=before, after={"archived_at": None}
    )
    return motif


@transaction.atomic
def delete_motif(motif: Motif, actor) -> None:
    """Delete a motif nothing refers to; otherwise raise MotifInUse."""
    motif = Motif.objects.select_for_update().get(pk=motif.pk)
    if motif.is_referenced():
        raise MotifInUse(motif)
    payload = motif_payload(motif)
    territory = motif.territory
    record(territory, actor, "motif.deleted", motif, before=payload)
    motif.delete()
    publish(territory, "motif.deleted", payload, organisations=payload["organisation_ids"])
