"""Which changes to a custom field would make stored values invalid (then refused)."""

from __future__ import annotations

from django.db.models import Q

from territories.errors import ServiceError
from user_records.models import CustomField, CustomFieldType, UserRecord

# Type changes that keep every stored value valid.
SAFE_TYPE_CHANGES = {(CustomFieldType.SHORT_TEXT, CustomFieldType.LONG_TEXT)}


def records_with_value(field: CustomField):
    return UserRecord.objects.filter(
        territory_id=field.territory_id, custom_values__has_key=field.key
    )


def used_choices(field: CustomField, choices: list[str]) -> list[str]:
    """Those of `choices` that some record of the territory holds for this field."""
    used = []
    for choice in choices:
        # JSON containment, not a key path: a key such as "2024_123456" would read as
        # an array index in `custom_values__<key>`.
        holds = Q(custom_values__contains={field.key: choice}) | Q(
            custom_values__contains={field.key: [choice]}
        )
        if records_with_value(field).filter(holds).exists():
            used.append(choice)
    return used


def check_custom_field_change(field: CustomField, new_type: str, new_choices: list[str]) -> None:
    """Refuse (ServiceError, on the form field concerned) a change that would invalidate
    stored values."""
    if new_type != field.field_type and (field.field_type, new_type) not in SAFE_TYPE_CHANGES:
        count = records_with_value(field).count()
        if count:
            raise ServiceError(
                f"Impossible de changer le type : {count} fiche(s) ont déjà une valeur "
                "pour ce champ. Archivez ce champ (les valeurs sont conservées) "
                "et créez-en un nouveau.",
                field="field_type",
            )
    if new_type == field.field_type and field.choices:
        removed = [choice for choice in field.choices if choice not in new_choices]
        used = used_choices(field, removed)
        if used:
            raise ServiceError(
                "Impossible de retirer un choix déjà utilisé par des fiches : "
                + ", ".join(f"« {choice} »" for choice in used)
                + ". Gardez-le, ou archivez ce champ et créez-en un nouveau.",
                field="choices_text",
            )
