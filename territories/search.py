"""Accent- and case-insensitive search, folded by PostgreSQL on both sides.

`search_fold(text)` (created by territories/0003 from the `unaccent` extension) lowers
and removes accents. It is IMMUTABLE, so an index may be built on a folded expression
(user records: a GIN trigram index, see user_records/search.py). The query words go
through the same SQL function as the rows: "Hélène", "HELENE" and "hélène" meet
whatever unaccent's rules say (œ -> oe included), with no Python copy of them to drift.
"""

from __future__ import annotations

from django.db.models import F, Func, Q, TextField, Value
from django.db.models.lookups import Contains


class Fold(Func):
    """`search_fold(expression)`: lower case, without accents."""

    function = "search_fold"
    output_field = TextField()


# Each word searched is a condition of its own (several LIKEs on user records): a URL
# of a thousand short words cost seconds of database time. No name, address or number
# typed in pieces needs more; the words past these are not searched.
MAX_SEARCH_WORDS = 20


def search_words(query: str) -> list[str]:
    """The words of a query (the first MAX_SEARCH_WORDS). NUL characters (which
    PostgreSQL text cannot hold) separate words like spaces."""
    return query.replace("\x00", " ").split()[:MAX_SEARCH_WORDS]


def contains_word(folded, word: str) -> Contains:
    """`folded` (an already folded expression) contains the folded `word`; LIKE's
    wildcards typed in the word are matched literally."""
    return Contains(folded, Fold(Value(word)))


def search_q(query: str, *fields: str) -> Q:
    """Every word of the query must appear in one of the fields (accents and case ignored)."""
    condition = Q()
    for word in search_words(query):
        word_condition = Q()
        for field in fields:
            word_condition |= Q(contains_word(Fold(F(field)), word))
        condition &= word_condition
    return condition
