"""What the public may see: the motifs open to online booking."""

from __future__ import annotations

from django.db.models import QuerySet

from motifs.models import Motif
from territories.models import Organisation


def public_motifs(organisation: Organisation) -> QuerySet[Motif]:
    """Motifs a member of the public may book online in this organisation."""
    return Motif.objects.filter(
        territory_id=organisation.territory_id,
        organisations=organisation,
        bookable_by_public=True,
        archived_at__isnull=True,
        service__territory_services__territory_id=organisation.territory_id,
        service__territory_services__is_active=True,
    ).distinct()
