"""Accent- and case-insensitive search that needs no PostgreSQL extension.

`unaccent` is a contrib extension that managed and embedded servers do not always
ship; TRANSLATE is built in. Both sides are folded: the column in SQL, the query
in Python.
"""

from __future__ import annotations

import unicodedata

from django.db.models import CharField, Q, TextField, Transform


def fold(text: str) -> str:
    """Remove accents (é -> e, Ç -> C) the way the SQL side does."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_LOWER = "àáâãäåāçćčèéêëēėęìíîïīñńòóôõöōùúûüūýÿžźżšś"
_ACCENTED = _LOWER + _LOWER.upper()
_PLAIN = "".join(fold(char) for char in _ACCENTED)


class Unaccented(Transform):
    """`field__unaccented__icontains=fold("Hélène")`."""

    lookup_name = "unaccented"

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"TRANSLATE({lhs}, %s, %s)", (*params, _ACCENTED, _PLAIN)


def search_q(query: str, *fields: str) -> Q:
    """Every word of the query must appear in one of the fields (accents and case ignored).

    NUL characters (which PostgreSQL text cannot hold) separate words like spaces."""
    condition = Q()
    for word in fold(query).replace("\x00", " ").split():
        word_condition = Q()
        for field in fields:
            word_condition |= Q(**{f"{field}__unaccented__icontains": word})
        condition &= word_condition
    return condition


CharField.register_lookup(Unaccented)
TextField.register_lookup(Unaccented)
