"""Finding user records the way agents see them (shared by their list and the RDV form)."""

import re

from django.db.models import Q, QuerySet

from territories.search import search_q
from user_records.fields import visible_fields
from user_records.models import UserRecord

SEARCHABLE = ["birth_name", "email", "case_number"]


def phone_fragment(query: str) -> str:
    """The digits of a phone number as stored (+33…): "06 12 34" -> "61234"."""
    digits = re.sub(r"\D", "", query)
    if len(digits) < 4:
        return ""
    if digits.startswith("33"):
        return digits[2:]
    return digits.removeprefix("0")


def search_records(territory, query: str, fields=None) -> QuerySet[UserRecord]:
    """Name, e-mail, phone… (accents ignored), only through the fields agents see:
    a hidden standard field is never searched."""
    if fields is None:
        fields = visible_fields(territory, include_custom=False)
    records = UserRecord.objects.filter(territory=territory)
    if not query:
        return records
    shown = {field.name for field in fields}
    searched = ["first_name", "last_name", *[name for name in SEARCHABLE if name in shown]]
    condition = search_q(query, *searched)
    fragment = phone_fragment(query)
    if fragment and "phone" in shown:
        condition |= Q(phone__contains=fragment)
    return records.filter(condition)
