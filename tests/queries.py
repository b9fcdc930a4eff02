"""Query-count assertions: a list page makes as many queries for 5 rows as for 500."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def assert_flat_query_count(fetch: Callable[[], object], grow: Callable[[], object]) -> None:
    """`fetch` the page, `grow` the data (e.g. 5 -> 500 rows), fetch again: same count."""
    small = count_queries(fetch)
    grow()
    large = count_queries(fetch)
    assert small == large, f"{small} queries with few rows, {large} with many"
