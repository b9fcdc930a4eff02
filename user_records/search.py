"""Searching a département's user records (hundreds of thousands) through two indexes.

The indexes (user_records/0004) are GIN trigram indexes, so `LIKE '%word%'` finds
partial words without reading the table:

- `user_record_search_trgm` on `user_record_haystack(…)`: one folded string (lower case,
  no accents: `search_fold`) of a record's names, e-mail, case number and custom values;
- `user_record_phone_trgm` on `phone_digits(phone)`: the digits of the number as stored
  (E.164 from the forms, anything from older data), matched by the digits typed.

The index is the same for every territory, so it holds fields some territory hides. A
record it finds is then checked against the text of the fields the territory shows
(`visible_text`): the search never goes through a hidden field or an archived custom
field. That check only reads the rows the index found.

A word shorter than three letters has no trigram of its own: it is looked for at the
start of a word (" li" is a trigram of "Li", "Lisa" and "Jean-Li"), which an index
serves, rather than anywhere, which would read the whole index.
"""

from __future__ import annotations

import re

from django.db.models import F, Func, Q, TextField, Value
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Contains

from territories.search import Fold, contains_word, search_words
from user_records.models import HAYSTACK_FIELDS, CustomFieldType, Haystack, PhoneDigits

NAMES = ("first_name", "last_name")
SHORT_WORD = 3  # trigrams: a shorter word has none of its own
PHONE_LIKE = re.compile(r"[\d\s+().\-/]+")
MIN_PHONE_DIGITS = 4


def visible_text(standard: list[str], custom_keys: list[str]):
    """The folded text of the fields shown, laid out like the haystack: a space before
    each field, custom values as JSON text (a value found here is found in the haystack,
    so the index condition never loses a record this one keeps)."""
    parts = [F(name) for name in HAYSTACK_FIELDS if name in standard]
    parts += [Cast(KeyTransform(key, "custom_values"), TextField()) for key in custom_keys]
    joined = Func(Value(" "), Value(""), *parts, function="concat_ws", output_field=TextField())
    return Fold(joined)


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


def search_condition(query: str, standard: list[str], custom_fields) -> Q | None:
    """The records matching `query` through the fields shown: `standard` (names of the
    standard fields shown) and `custom_fields` (active custom fields). None: no criterion."""
    searched = [name for name in HAYSTACK_FIELDS if name in standard or name in NAMES]
    custom_keys = [
        field.key for field in custom_fields if field.field_type != CustomFieldType.YES_NO
    ]
    words = text_words(query)
    condition = None
    if words:
        haystack, shown = Haystack(), visible_text(searched, custom_keys)
        condition = Q()
        for word in words:
            condition &= word_condition(haystack, word) & word_condition(shown, word)
    digits = phone_digits(query)
    if digits and "phone" in standard:
        phone = Q(Contains(PhoneDigits(), digits))
        condition = phone if condition is None else condition | phone
    return condition
