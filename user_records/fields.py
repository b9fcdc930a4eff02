"""Which fields a territory's user records show, and how their values read.

The one place that knows the standard fields, the hidden ones and the custom fields:
forms (`user_records.forms.build_user_record_form`), detail pages, lists, exports and
the public booking flow all go through `visible_fields(territory)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import phonenumbers
from django.db.models import Value
from django.utils.formats import date_format

from territories.models import Territory
from territories.search import Fold
from user_records.models import CustomField, CustomFieldType, UserRecord, UserRecordSettings

# Standard fields in the order forms and detail pages show them.
STANDARD_FIELDS = [
    "first_name",
    "last_name",
    "birth_name",
    "birth_date",
    "email",
    "phone",
    "address",
    "address_details",
    "notes",
    "affiliation",
    "affiliation_number",
    "family_situation",
    "number_of_children",
    "housing_situation",
    "case_number",
]
ALWAYS_VISIBLE = ("first_name", "last_name")
HIDEABLE_FIELDS = [name for name in STANDARD_FIELDS if name not in ALWAYS_VISIBLE]
# Columns of the agents' list, besides the name (each only if visible).
LIST_COLUMNS = ["birth_date", "email", "phone", "case_number"]


def standard_label(name: str) -> str:
    return str(UserRecord._meta.get_field(name).verbose_name).capitalize()


def hidden_fields(territory: Territory) -> frozenset[str]:
    settings = UserRecordSettings.objects.filter(territory=territory).first()
    if settings is None:
        return frozenset()
    return frozenset(settings.hidden_fields) - set(ALWAYS_VISIBLE)


def label_taken(territory, label: str, *, exclude: int | None = None) -> bool:
    """Whether a live custom field of `territory` (an instance or a pk) already has this
    label, accents and case aside (the rule of the database's unique constraint)."""
    clash = CustomField.objects.annotate(folded=Fold("label")).filter(
        territory=territory, archived_at__isnull=True, folded=Fold(Value(label))
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    return clash.exists()


def active_custom_fields(territory: Territory):
    return CustomField.objects.filter(territory=territory, archived_at__isnull=True).order_by(
        "position", "pk"
    )


# 08 numbers (special rates) read "0 800 …": left to the library.
METROPOLITAN = re.compile(r"\+33([1-79])(\d\d)(\d\d)(\d\d)(\d\d)")


def format_phone(value: str) -> str:
    """+33612345678 -> 06 12 34 56 78 (what agents read and type). Numbers are stored in
    E.164: a metropolitan one is spelled out directly (a list page shows dozens), the
    others (overseas, foreign) are left to the phone-number library."""
    if metropolitan := METROPOLITAN.fullmatch(value):
        return "0" + " ".join(metropolitan.groups())
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def display_custom_value(field: CustomField, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if field.field_type == CustomFieldType.YES_NO:
        return "Oui" if value else "Non"
    if field.field_type == CustomFieldType.DATE and isinstance(value, str):
        try:
            return date_format(date.fromisoformat(value), "d/m/Y")
        except ValueError:  # edited by hand in the Django admin: show it as it is
            return value
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if field.field_type == CustomFieldType.NUMBER:
        return str(value).replace(".", ",")
    return str(value)


def custom_value_to_json(field: CustomField, value: Any) -> Any:
    """A cleaned form value as stored in `custom_values` (and sent in webhooks)."""
    if value in (None, "", []):
        return None
    if field.field_type == CustomFieldType.DATE:
        return value.isoformat()
    if field.field_type == CustomFieldType.NUMBER:
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    return value


@dataclass(frozen=True)
class VisibleField:
    """A field shown for the territory: standard (`custom` is None) or custom."""

    name: str  # the model field name, or the custom field's stable key
    label: str
    custom: CustomField | None = None

    def raw_value(self, record: UserRecord) -> Any:
        if self.custom is not None:
            return (record.custom_values or {}).get(self.name)
        return getattr(record, self.name)

    def display(self, record: UserRecord) -> str:
        value = self.raw_value(record)
        if self.custom is not None:
            return display_custom_value(self.custom, value)
        if value in (None, ""):
            return ""
        if self.name == "phone":
            return format_phone(value)
        if isinstance(value, date):
            return date_format(value, "d/m/Y")
        display = getattr(record, f"get_{self.name}_display", None)
        return str(display() if display else value)


def visible_fields(territory: Territory, *, include_custom: bool = True) -> list[VisibleField]:
    """The fields agents see for this territory, in order: standard ones that are not
    hidden, then the custom fields that are not archived (two queries)."""
    hidden = hidden_fields(territory)
    fields = [
        VisibleField(name, standard_label(name)) for name in STANDARD_FIELDS if name not in hidden
    ]
    if include_custom:
        fields += [
            VisibleField(field.key, field.label, field) for field in active_custom_fields(territory)
        ]
    return fields


def field_rows(fields: list[VisibleField], record: UserRecord) -> list[tuple[str, str]]:
    """(label, displayed value) for a detail page or an export line."""
    return [(field.label, field.display(record)) for field in fields]
