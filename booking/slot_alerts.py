"""Motifs open online without a free slot ("Motif ouvert en ligne sans créneau").

Every morning (`booking.tasks.check_online_slots`), each pair (motif open online, one of
its organisations) is searched for one free slot in the motif's booking window, the way
the public slot page looks for its first day; the pairs without any are stored as
`motifs.MotifSlotAlert` rows, which the list of motifs shows as a badge without
searching anything, and the territory admins get one mail listing them.

One query finds the pairs without any availability range (no search for them); for the
others the search stops at the first day with a slot (a week first, then spans twice as
long), so a pair with slots in its first week costs three queries.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from availability.models import AvailabilityRange
from availability.slots import PARIS, SlotFinder, booking_window
from motifs.models import Motif, MotifSlotAlert
from territories.models import Organisation, Territory, TerritoryService


def online_motifs(territory: Territory):
    """Motifs a member of the public may book online in some organisation of the
    territory (the same conditions as `booking.rules.public_motifs`)."""
    active = TerritoryService.objects.filter(
        territory=territory, service=OuterRef("service"), is_active=True
    )
    return Motif.objects.filter(
        Exists(active), territory=territory, bookable_by_public=True, archived_at__isnull=True
    )


def has_slot(motif: Motif, organisation: Organisation, now: datetime) -> bool:
    _low, high = booking_window(motif, now)
    today = timezone.localtime(now, PARIS).date()
    last_day = max(timezone.localtime(high, PARIS).date(), today)
    finder = SlotFinder(motif, organisation, today, last_day, public=True, now=now)
    return finder.first_day(today, last_day) is not None


def _pairs_with_openings(territory: Territory, now: datetime) -> set[tuple[int, int]]:
    """(motif, organisation) pairs with an availability range not over yet, in one query:
    the other pairs have no slot, and cost no slot search."""
    today = timezone.localtime(now, PARIS).date()
    links = AvailabilityRange.motifs.through.objects.filter(
        availabilityrange__territory=territory
    ).exclude(availabilityrange__until__lt=today)
    return set(
        links.values_list("motif_id", "availabilityrange__organisation_id").distinct().order_by()
    )


def refresh(territory: Territory, motif_pks: list[int], now: datetime | None = None) -> list:
    """Search the pairs of the given motifs (of one territory, still open online), store
    one alert per pair without a slot, and drop the territory's other alerts. Returns
    the alerts, with their motif and organisation."""
    now = now or timezone.now()
    motifs = online_motifs(territory).filter(pk__in=motif_pks).order_by("name", "pk")
    links = (
        Motif.organisations.through.objects.filter(motif__in=motifs)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )
    by_pk = {motif.pk: motif for motif in motifs}
    opening = _pairs_with_openings(territory, now)
    empty = [
        (by_pk[link.motif_id], link.organisation)
        for link in links
        if link.motif_id in by_pk
        and (
            (link.motif_id, link.organisation_id) not in opening
            or not has_slot(by_pk[link.motif_id], link.organisation, now)
        )
    ]
    with transaction.atomic():
        alerts = MotifSlotAlert.objects.filter(territory=territory)
        since = {
            (alert.motif_id, alert.organisation_id): alert.since
            for alert in alerts.select_for_update()
        }
        alerts.delete()
        MotifSlotAlert.objects.bulk_create(
            MotifSlotAlert(
                territory=territory,
                motif=motif,
                organisation=organisation,
                since=since.get((motif.pk, organisation.pk), now),
                checked_at=now,
            )
            for motif, organisation in empty
        )
    return (
        MotifSlotAlert.objects.filter(territory=territory)
        .select_related("motif", "organisation")
        .order_by("motif__name", "motif_id", "organisation__name")
    )
