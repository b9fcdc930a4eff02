"""Writes of the Motifs section: one function per use case, each recording its change
(`territories.changes.record_change`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from motifs.models import Motif, duplicate_message
from motifs.payloads import motif_payload
from territories.changes import check_version, record_change
from territories.errors import Conflict, ServiceError
from territories.models import Territory


class MotifInUse(ServiceError):
    """The motif is referenced (RDVs, availability ranges…): archive it instead."""

    def __init__(self, motif: Motif) -> None:
        super().__init__(
            f"Le motif « {motif} » est utilisé (rendez-vous, plages d'ouverture…) : "
            "il ne peut pas être supprimé. Vous pouvez l'archiver."
        )


class MotifNameTaken(Conflict):
    """A live motif already has this name, service and type."""

    def __init__(self, motif: Motif) -> None:
        super().__init__(
            f"Un motif actif porte déjà le nom « {motif.name} » pour ce service et ce type : "
            "renommez-le ou archivez-le avant de restaurer celui-ci."
        )


def _saved(motif: Motif, **kwargs) -> None:
    """Save; a name another admin took meanwhile is refused in French (the database's
    partial unique constraint has the last word)."""
    try:
        with transaction.atomic():
            motif.save(**kwargs)
    except IntegrityError as error:
        raise Conflict(duplicate_message(motif.location_type), field="name") from error


def _lock(motif: Motif) -> Motif:
    return Motif.objects.select_for_update().get(pk=motif.pk)


@transaction.atomic
def create_motif(
    territory: Territory, values: dict[str, Any], *, organisations: Iterable, acting_agent
) -> Motif:
    author = acting_agent if acting_agent is not None and acting_agent.is_authenticated else None
    motif = Motif(territory=territory, created_by=author, **values)
    _saved(motif)
    motif.organisations.set(organisations)
    payload = motif_payload(motif)
    record_change(
        territory,
        "motif.created",
        motif,
        acting_agent=acting_agent,
        payload=payload,
        organisations=payload["organisation_ids"],
    )
    return motif


@transaction.atomic
def update_motif(
    motif: Motif,
    values: dict[str, Any],
    *,
    organisations: Iterable,
    acting_agent,
    version: str | None = None,
) -> Motif:
    """Edit a motif, its organisations included: still one motif shared by them."""
    motif = _lock(motif)
    before = motif_payload(motif)
    changed = [name for name, value in values.items() if getattr(motif, name) != value]
    for name in changed:
        setattr(motif, name, values[name])
    if changed:
        _saved(motif, update_fields=[*changed, "updated_at"])
    motif.organisations.set(organisations)
    after = motif_payload(motif)
    if after == before:
        return motif
    check_version(before, version)
    # Endpoints of an organisation the motif left must hear about it too.
    concerned = set(before["organisation_ids"]) | set(after["organisation_ids"])
    record_change(
        motif.territory,
        "motif.updated",
        motif,
        acting_agent=acting_agent,
        payload=after,
        before=before,
        organisations=concerned,
    )
    return motif


def _set_archived_at(motif: Motif, archived_at, action: str, acting_agent) -> Motif:
    before = motif_payload(motif)
    motif.archived_at = archived_at
    _saved(motif, update_fields=["archived_at", "updated_at"])
    payload = motif_payload(motif)
    record_change(
        motif.territory,
        action,
        motif,
        acting_agent=acting_agent,
        payload=payload,
        before=before,
        organisations=payload["organisation_ids"],
    )
    return motif


@transaction.atomic
def archive_motif(motif: Motif, *, acting_agent) -> Motif:
    """Hide the motif from every choice list; existing RDVs keep it."""
    motif = _lock(motif)
    if motif.archived_at is not None:
        return motif
    return _set_archived_at(motif, timezone.now(), "motif.archived", acting_agent)


@transaction.atomic
def restore_motif(motif: Motif, *, acting_agent) -> Motif:
    """Offer an archived motif again, unless a live motif has taken its place meanwhile.

    Consumers have always received a restoration as `motif.updated` (archived_at back
    to null): the audit log names it the same way."""
    motif = _lock(motif)
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
    return _set_archived_at(motif, None, "motif.updated", acting_agent)


@transaction.atomic
def delete_motif(motif: Motif, *, acting_agent) -> None:
    """Delete a motif nothing refers to; otherwise raise MotifInUse."""
    motif = _lock(motif)
    if motif.is_referenced():
        raise MotifInUse(motif)
    payload = motif_payload(motif)
    territory = motif.territory
    record_change(
        territory,
        "motif.deleted",
        motif,
        acting_agent=acting_agent,
        payload=payload,
        organisations=payload["organisation_ids"],
        deleted=True,
    )
    motif.delete()
