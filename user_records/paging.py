"""Pages of user records read from a position in the list's order (keyset pagination).

A page says where it starts or ends ("après Dupont Anne n° 812"), not its number: the
database goes straight there through the `user_record_list_order` index, so the
thousandth page and the last one cost what the first does, where OFFSET would walk
every row before them. The total is counted up to COUNT_LIMIT rows ("plus de 10 000"
beyond; a search's matches up to SEARCH_COUNT_LIMIT): the same bounded work on any size
of territory.

Positions travel in the URL as an opaque token; a token that does not decode (edited by
hand, cut by a mail client) gives the first page, never an error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import QueryDict

from user_records.models import UserRecord

PAGE_SIZE = 25
COUNT_LIMIT = 10_000
# A search's matches are counted up to less: a common name matches thousands of records,
# and an agent who searched reads "plus de 1 000" as "narrow the search".
SEARCH_COUNT_LIMIT = 1_000
ORDER = ("last_name", "first_name", "pk")
AFTER, BEFORE, LAST = "apres", "avant", "last"


def french_number(number: int) -> str:
    """10000 -> "10 000" (a no-break space between thousands)."""
    return f"{number:,}".replace(",", "\u00a0")


def position_of(record: UserRecord) -> str:
    """The URL token of a record's place in the list's order."""
    key = json.dumps([record.last_name, record.first_name, record.pk], ensure_ascii=False)
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _storable(text: str) -> bool:
    """Text PostgreSQL can hold: no NUL, and no lone surrogate (JSON can spell "\\ud800",
    which has no UTF-8 form)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _decode(token: str) -> tuple[str, str, int] | None:
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    valid = (
        isinstance(key, list)
        and len(key) == 3
        and all(isinstance(part, str) and _storable(part) for part in key[:2])
        and type(key[2]) is int
        and 0 < key[2] < 2**63
    )
    return (key[0], key[1], key[2]) if valid else None


def _key():
    return Tuple(*[F(name) for name in ORDER])


def ordered(records: QuerySet, *, descending: bool = False, searched: bool = False) -> QuerySet:
    """The list's order. `searched`: the records are gathered through another index and
    sorted, rather than picked while walking the list index: a search's matches (a name
    sits somewhere in the alphabet and the walk would read every record before it), or
    the few records an agent's organisations follow (found through the links). NULLS
    FIRST (NOT NULL columns: the same order) is what keeps the planner from walking the
    index, which is sorted NULLS LAST."""
    if not searched:
        return records.order_by(*[f"-{name}" if descending else name for name in ORDER])
    return records.order_by(
        *[
            F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_first=True)
            for name in ORDER
        ]
    )


def after(records: QuerySet, key: tuple[str, str, int], *, searched: bool = False) -> QuerySet:
    return ordered(records.filter(TupleGreaterThan(_key(), key)), searched=searched)


def before(records: QuerySet, key: tuple[str, str, int], *, searched: bool = False) -> QuerySet:
    return ordered(records.filter(TupleLessThan(_key(), key)), descending=True, searched=searched)


def bounded_count(records: QuerySet, limit: int) -> int | None:
    """How many records, or None when more than `limit`."""
    count = records.order_by()[: limit + 1].count()
    return None if count > limit else count


@dataclass
class RecordPage:
    records: list[UserRecord]
    count: int | None  # None: more than `limit`
    has_previous: bool
    has_next: bool
    params: QueryDict  # the request's other parameters (the search), kept in the links
    limit: int = COUNT_LIMIT  # where counting stopped

    def _link(self, **position: str) -> str:
        params = self.params.copy()
        for name in (AFTER, BEFORE, "page"):
            params.pop(name, None)
        params.update(position)
        return "?" + params.urlencode() if params else "?"

    @property
    def first_link(self) -> str:
        return self._link()

    @property
    def previous_link(self) -> str:
        return self._link(**{BEFORE: position_of(self.records[0])})

    @property
    def next_link(self) -> str:
        return self._link(**{AFTER: position_of(self.records[-1])})

    @property
    def last_link(self) -> str:
        return self._link(page=LAST)

    @property
    def count_label(self) -> str:
        if self.count is None:
            return f"Plus de {french_number(self.limit)} fiches usagers"
        plural = "s" if self.count > 1 else ""
        return f"{french_number(self.count)} fiche{plural} usager{plural}"

    @property
    def is_paginated(self) -> bool:
        return self.has_previous or self.has_next


def get_page(
    records: QuerySet,
    params: QueryDict,
    size: int = PAGE_SIZE,
    *,
    searched: bool = False,
    counted: int | None = None,
) -> RecordPage:
    """The page `params` asks for (`apres=…`, `avant=…`, `page=last`, else the first):
    one query for the rows (two when a position leads nowhere), one bounded count.
    `searched`: `records` are gathered through another index than the list's and sorted
    (see `ordered`). `counted`: their number, already counted up to COUNT_LIMIT + 1 (no
    count query then: user_records.queries.agent_records)."""
    after_key = _decode(params.get(AFTER, ""))
    before_key = _decode(params.get(BEFORE, ""))
    has_previous = has_next = False
    if after_key is not None:
        rows = list(after(records, after_key, searched=searched)[: size + 1])
        has_previous, has_next = True, len(rows) > size
        rows = rows[:size]
    elif before_key is not None:
        rows = list(before(records, before_key, searched=searched)[: size + 1])
        has_previous, has_next = len(rows) > size, True
        # Fewer than a page before the position: that is the first page, shown whole.
        rows = rows[:size][::-1] if has_previous else []
    elif params.get("page") == LAST:
        rows = list(ordered(records, descending=True, searched=searched)[: size + 1])
        has_previous = len(rows) > size
        rows = rows[:size][::-1]
    else:
        rows = []
    if not rows:
        # The first page, or a position that no longer leads anywhere.
        rows = list(ordered(records, searched=searched)[: size + 1])
        has_previous, has_next = False, len(rows) > size
        rows = rows[:size]
    # Counted even when one page holds them all: as many queries for 5 rows as for 500.
    if counted is None:
        limit = SEARCH_COUNT_LIMIT if searched else COUNT_LIMIT
        count = bounded_count(records, limit)
    else:
        limit = COUNT_LIMIT
        count = None if counted > limit else counted
    return RecordPage(rows, count, has_previous, has_next, params, limit)


def in_batches(
    records: QuerySet, size: int, *, searched: bool = False
) -> Iterator[list[UserRecord]]:
    """Every record in the list's order, `size` at a time, each batch read from where the
    previous one ended (a short query each, no long-lived cursor, no OFFSET)."""
    position = None
    while True:
        if position is None:
            query = ordered(records, searched=searched)
        else:
            query = after(records, position, searched=searched)
        batch = list(query[:size])
        if batch:
            yield batch
        if len(batch) < size:
            return
        position = (batch[-1].last_name, batch[-1].first_name, batch[-1].pk)
        del batch  # one batch in memory at a time: this one goes before the next is read
