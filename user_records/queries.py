"""Finding user records the way agents see them (shared by their list, their export and
the RDV form). The search itself and its indexes: user_records/search.py."""

from django.db.models import QuerySet

from user_records.fields import VisibleField, visible_fields
from user_records.models import UserRecord
from user_records.search import search_condition


def search_records(
    territory, query: str, fields: list[VisibleField] | None = None
) -> QuerySet[UserRecord]:
    """Name, e-mail, phone, case number, custom values (accents and case ignored), only
    through the fields agents see (`fields`, else the territory's visible fields): a
    hidden standard field or an archived custom field is never searched."""
    records = UserRecord.objects.filter(territory=territory)
    if not query:
        return records
    if fields is None:
        fields = visible_fields(territory)
    standard = [field.name for field in fields if field.custom is None]
    custom = [field.custom for field in fields if field.custom is not None]
    condition = search_condition(query, standard, custom)
    return records if condition is None else records.filter(condition)
