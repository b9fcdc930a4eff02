"""What the public may book and move online: asked by the public pages to offer an
action, and by booking.services to refuse it."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from availability.slots import booking_window
from motifs.models import Motif
from rdvs.models import Rdv, RdvStatus
from territories.models import Organisation


def _online(territory_id: int, organisation) -> dict:
    """The conditions of a motif open online in `organisation` (an instance or OuterRef)."""
    return {
        "territory_id": territory_id,
        "organisations": organisation,
        "bookable_by_public": True,
        "archived_at__isnull": True,
        "service__territory_services__territory_id": territory_id,
        "service__territory_services__is_active": True,
    }


def public_motifs(organisation: Organisation) -> QuerySet[Motif]:
    """Motifs a member of the public may book online in this organisation."""
    return Motif.objects.filter(**_online(organisation.territory_id, organisation)).distinct()


def public_organisations(territory) -> QuerySet[Organisation]:
    """The territory's organisations with at least one motif open online (one EXISTS)."""
    motifs = Motif._base_manager.filter(**_online(territory.pk, OuterRef("pk")))
    return Organisation.objects.filter(territory=territory).filter(Exists(motifs))


def open_online(motif: Motif, organisation: Organisation) -> bool:
    """Still bookable online: open to usagers, not archived, its service active."""
    return public_motifs(organisation).filter(pk=motif.pk).exists()


def can_move(rdv: Rdv, now: datetime | None = None) -> bool:
    """Only for motifs open to self-service moves (and still to online booking), while
    the RDV is inside the window."""
    low, _high = booking_window(rdv.motif, now)
    return (
        rdv.motif.public_can_move
        and rdv.status == RdvStatus.UNKNOWN
        and rdv.starts_at > low
        and open_online(rdv.motif, rdv.organisation)
    )
