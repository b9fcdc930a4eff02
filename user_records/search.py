"""Searching a département's user records (hundreds of thousands) through indexes.

PostgreSQL keeps two folded texts per record (lower case, no accents: `search_fold`),
stored columns it computes on every write (user_records/0004), each under a GIN trigram
index, so `LIKE '%word%'` finds partial words without reading the table:

- `search_standard`: " first_name last_name birth_name email case_number";
- `search_custom`: " value value …", the custom values (yes/no ones left out).

A third index holds the digits of the phone number as stored (E.164 from the forms,
anything from older data), matched by the digits typed.

Every word must be found in one of the fields the territory shows. The stored texts hold
every field, hidden or not (they are the same for every territory), so where the
territory hides a standard field, or for custom values (whose fields may be archived),
the rows an index found are checked against the fields shown: the search never goes
through a hidden field or an archived custom field. A territory that hides nothing pays
nothing for that check.

A word shorter than three letters has no trigram of its own: it is looked for at the
start of a word (" li" is a trigram of "Li", "Lisa" and "Jean-Li"), which an index
serves, rather than anywhere, which would read the whole index.
"""

from __future__ import annotations

import re

from django.db.models import F, Func, Q, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import Contains

from territories.search import Fold, contains_word, search_words
from user_records.models import SEARCHED_STANDARD_FIELDS, CustomFieldType, PhoneDigits

NAMES = ("first_name", "last_name")  # never hidden
SHORT_WORD = 3  # trigrams: a shorter word has none of its own
PHONE_LIKE = re.compile(r"[\d\s+().\-/]+")
MIN_PHONE_DIGITS = 4


def spaced(*parts) -> Func:
    """The parts, each after a space (NULL parts skipped), laid out like the stored texts."""
    return Func(Value(" "), Value(""), *parts, function="concat_ws", output_field=TextField())


def word_condition(folded, word: str) -> Q:
    if len(word) >= SHORT_WORD:
        return Q(contains_word(folded, word))
    return Q(contains_word(folded, " " + word)) | Q(contains_word(folded, "-" + word))


def text_words(query: str) -> list[str]:
    """The words to look for in the text. A number typed in short pieces ("06 12 34 56")
    is one word: each piece would be a word start anywhere in the territory."""
    words = search_words(query)
    if PHONE_LIKE.fullmatch(query) and any(len(word) < SHORT_WORD for word in words):
        return ["".join(words)]
    return words


def phone_digits(query: str) -> str:
    """The digits to look for in a stored number, whatever way the number was typed:
    "06 12 34" -> "61234", "+33 6 12…" and "0033 6 12…" -> "612…" (the stored digits
    may start with 33 or 0: the national number without its 0 is in both)."""
    digits = re.sub(r"\D", "", query)
    if not PHONE_LIKE.fullmatch(query) or len(digits) < MIN_PHONE_DIGITS:
        return ""
    if query.lstrip().startswith("+") or digits.startswith("00"):
        digits = digits.removeprefix("00").removeprefix("33")
    elif digits.startswith("33") and len(digits) == 11:
        digits = digits[2:]
    digits = digits.lstrip("0")
    # Fewer than three digits have no trigram: the index could not serve them.
    return digits if len(digits) >= SHORT_WORD else ""


class WordSearch:
    """The condition one word puts on a record, through the fields `standard` (names of
    the standard fields shown) and `custom_fields` (active custom fields)."""

    def __init__(self, standard: list[str], custom_fields) -> None:
        shown = [name for name in SEARCHED_STANDARD_FIELDS if name in standard or name in NAMES]
        # Only the standard fields shown, when some are hidden; else the stored text says it.
        self.shown_standard = (
            Fold(spaced(*[F(name) for name in shown]))
            if len(shown) < len(SEARCHED_STANDARD_FIELDS)
            else None
        )
        self.shown_custom = [
            Fold(spaced(KeyTextTransform(field.key, "custom_values")))
            for field in custom_fields
            if field.field_type != CustomFieldType.YES_NO
        ]

    def condition(self, word: str) -> Q:
        found = word_condition(F("search_standard"), word)
        if self.shown_standard is not None:
            found &= word_condition(self.shown_standard, word)
        if self.shown_custom:
            in_shown_field = Q()
            for value in self.shown_custom:
                in_shown_field |= word_condition(value, word)
            found |= word_condition(F("search_custom"), word) & in_shown_field
        return found


def search_condition(query: str, standard: list[str], custom_fields) -> Q | None:
    """The records matching `query` through the fields shown: `standard` (names of the
    standard fields shown) and `custom_fields` (active custom fields). None: no criterion."""
    condition = None
    words = text_words(query)
    if words:
        search = WordSearch(standard, custom_fields)
        condition = Q()
        for word in words:
            condition &= search.condition(word)
    digits = phone_digits(query)
    if digits and "phone" in standard:
        phone = Q(Contains(PhoneDigits(), digits))
        condition = phone if condition is None else condition | phone
    return condition
