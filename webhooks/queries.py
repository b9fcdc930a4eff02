"""Read helpers of the Webhooks section (writes live in services.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery

from territories.models import Territory
from webhooks.models import Delivery, DeliveryStatus, Endpoint

MAX_ENDPOINTS = 20
LIMIT_MESSAGE = f"Un espace peut avoir au plus {MAX_ENDPOINTS} points de réception."


def endpoint_limit_reached(territory: Territory) -> bool:
    return Endpoint.objects.filter(territory=territory).count() >= MAX_ENDPOINTS


# Deliveries pile up (millions in a busy month): their list is walked by keyset, never by
# OFFSET, and counted only up to a cap.
DELIVERIES_PER_PAGE = 25
COUNT_CAP = 10_000


@dataclass
class DeliveryPage:
    rows: list[Delivery]
    older: str | None  # cursor of the next page back in time, if any
    newer: str | None  # cursor of the page before, if this is not the first one


def cursor_of(delivery: Delivery) -> str:
    return f"{delivery.created_at.timestamp():.6f}_{delivery.pk}"


def parse_cursor(value: str) -> tuple[datetime, int] | None:
    """A cursor from the URL; anything malformed means "the first page"."""
    stamp, _, pk = value.partition("_")
    try:
        moment = datetime.fromtimestamp(float(stamp), tz=UTC)
        return moment, int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def delivery_page(deliveries: QuerySet[Delivery], *, older_than: str = "", newer_than: str = ""):
    """One page of `deliveries`, newest first, after or before a cursor: each page costs
    one index range scan on (endpoint, created_at) wherever it lies in the history."""
    if before := parse_cursor(older_than):
        moment, pk = before
        # created_at <= moment bounds the index scan; the pk breaks ties within it.
        rows = deliveries.filter(Q(created_at__lt=moment) | Q(pk__lt=pk), created_at__lte=moment)
        rows = list(rows.order_by("-created_at", "-pk")[: DELIVERIES_PER_PAGE + 1])
        has_older, has_newer = len(rows) > DELIVERIES_PER_PAGE, True
        rows = rows[:DELIVERIES_PER_PAGE]
    elif after := parse_cursor(newer_than):
        moment, pk = after
        rows = deliveries.filter(Q(created_at__gt=moment) | Q(pk__gt=pk), created_at__gte=moment)
        rows = list(rows.order_by("created_at", "pk")[: DELIVERIES_PER_PAGE + 1])
        has_older, has_newer = True, len(rows) > DELIVERIES_PER_PAGE
        rows = rows[:DELIVERIES_PER_PAGE][::-1]
    else:
        rows = list(deliveries.order_by("-created_at", "-pk")[: DELIVERIES_PER_PAGE + 1])
        has_older, has_newer = len(rows) > DELIVERIES_PER_PAGE, False
        rows = rows[:DELIVERIES_PER_PAGE]
    return DeliveryPage(
        rows=rows,
        older=cursor_of(rows[-1]) if rows and has_older else None,
        newer=cursor_of(rows[0]) if rows and has_newer else None,
    )


class CappedCount(Subquery):
    """COUNT(*) over at most `cap + 1` rows of a subquery: "more than cap" is all a page
    needs to say, and counting stops there."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet, cap: int = COUNT_CAP):
        super().__init__(queryset.order_by().values("pk")[: cap + 1])


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """Counts up to `cap + 1` (Django counts a sliced queryset in a LIMITed subquery)."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def shown_count(count: int, cap: int = COUNT_CAP) -> str:
    """A capped count as the page says it: "plus de 10 000" past the cap."""
    return f"plus de {cap:,}".replace(",", "\u202f") if count > cap else str(count)


def endpoints_with_open_counts(territory: Territory) -> QuerySet[Endpoint]:
    """The territory's endpoints with their pending and failed deliveries counted up to
    the cap, each count a LIMITed scan of the partial index of unsucceeded deliveries:
    the list costs the same after millions of successful deliveries."""

    def open_deliveries(status):
        return CappedCount(Delivery.objects.filter(endpoint=OuterRef("pk"), status=status))

    return (
        Endpoint.objects.filter(territory=territory)
        .annotate(
            pending_count=open_deliveries(DeliveryStatus.PENDING),
            failed_count=open_deliveries(DeliveryStatus.FAILED),
        )
        .order_by("created_at", "pk")
    )
