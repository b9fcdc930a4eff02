"""Pages of the API's lists, as the reference platform gives them: 100 items a page,
`?page=N`, and `meta: {current_page, next_page, prev_page, total_pages, total_count}`.

The work stays bounded on a territory of 500,000 user records and 1,000,000 RDVs: the
total is counted up to COUNT_LIMIT rows (beyond, `total_count` says COUNT_LIMIT and
`meta.total_count_capped` is true) and pages go no further than COUNT_LIMIT rows
(OFFSET walks every row before the page): past that, narrow the list with its filters
(dates, status, search), or receive every object through a webhook backfill
(`trigger: true` on a webhook endpoint).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from config.numbers import plain_int

PAGE_SIZE = 100
COUNT_LIMIT = 10_000
MAX_PAGE = COUNT_LIMIT // PAGE_SIZE
BAD_PAGE = "Le paramètre « page » doit être un nombre entier à partir de 1."
TOO_DEEP = (
    f"Au-delà de la page {MAX_PAGE}, affinez la liste avec ses filtres (dates, statut, "
    "recherche), ou recevez tous les objets par un webhook (trigger: true)."
)


def page_number(request) -> int:
    page = plain_int(request.query_params.get("page", "1"))
    if page is None or page < 1:
        raise ValidationError({"page": [BAD_PAGE]})
    if page > MAX_PAGE:
        raise ValidationError({"page": [TOO_DEEP]})
    return page


def paginated(request, rows: QuerySet, root: str, serialize: Callable[[list], list]) -> Response:
    """`rows` ordered; two queries whatever their number: the bounded count, the page."""
    page = page_number(request)
    counted = rows.order_by()[: COUNT_LIMIT + 1].count()
    capped = counted > COUNT_LIMIT
    total_count = min(counted, COUNT_LIMIT)
    total_pages = max(1, -(-total_count // PAGE_SIZE))
    start = (page - 1) * PAGE_SIZE
    items = list(rows[start : start + PAGE_SIZE]) if page <= total_pages else []
    meta = {
        "current_page": page,
        "next_page": page + 1 if page < total_pages else None,
        "prev_page": page - 1 if page > 1 else None,
        "total_pages": total_pages,
        "total_count": total_count,
        "total_count_capped": capped,
    }
    return Response({root: serialize(items), "meta": meta})
