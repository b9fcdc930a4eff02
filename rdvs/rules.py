"""What may happen to an RDV now: asked by the screens to offer an action, and by
rdvs.services to refuse it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from rdvs.models import Rdv, RdvStatus

# A usager may cancel online until this long before the RDV (then: by phone).
USAGER_CANCEL_DELAY = timedelta(hours=4)


def can_cancel(rdv: Rdv, now: datetime | None = None) -> bool:
    """Whether the usager may still cancel online (agents always may)."""
    now = now or timezone.now()
    return rdv.status == RdvStatus.UNKNOWN and rdv.starts_at > now + USAGER_CANCEL_DELAY


def can_record_arrival(rdv: Rdv, waiting_room_enabled: bool) -> bool:
    """Today's RDVs that have not happened yet, while the waiting room is in use."""
    return (
        waiting_room_enabled
        and rdv.arrived_at is None
        and rdv.status == RdvStatus.UNKNOWN
        and timezone.localtime(rdv.starts_at).date() == timezone.localdate()
    )
