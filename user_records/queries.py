"""Finding user records the way agents see them (shared by their list, their export and
the RDV form). The search itself and its indexes: user_records/search.py."""

from dataclasses import dataclass

from django.db.models import QuerySet

from territories import permissions
from territories.search import search_words
from user_records.fields import VisibleField, visible_fields
from user_records.models import UserRecord
from user_records.paging import COUNT_LIMIT
from user_records.search import search_condition

SEARCH_TEXTS = ("search_standard", "search_custom")


def search_records(
    territory, query: str, fields: list[VisibleField] | None = None
) -> QuerySet[UserRecord]:
    """Name, e-mail, phone, case number, custom values (accents and case ignored), only
    through the fields agents see (`fields`, else the territory's visible fields): a
    hidden standard field or an archived custom field is never searched."""
    # The stored search texts are for the database: not read into every record.
    records = UserRecord.objects.filter(territory=territory).defer(*SEARCH_TEXTS)
    if not query:
        return records
    if fields is None:
        fields = visible_fields(territory)
    standard = [field.name for field in fields if field.custom is None]
    custom = [field.custom for field in fields if field.custom is not None]
    condition = search_condition(query, standard, custom)
    return records if condition is None else records.filter(condition)


@dataclass(frozen=True)
class Reading:
    """The records an agent sees, and how to read them in the list's order
    (user_records/paging.py)."""

    records: QuerySet[UserRecord]
    # Gathered through another index and sorted, rather than picked while walking the
    # list's index: a search's matches, or the few records an agent's organisations follow.
    gathered: bool
    # Their number up to COUNT_LIMIT + 1, when known without counting the records.
    counted: int | None = None


def agent_records(
    agent, territory, query: str = "", fields: list[VisibleField] | None = None
) -> Reading:
    """The records `agent` sees (territories.permissions), searched by `query`.

    An agent narrowed to their organisations is counted from the links first. When those
    follow COUNT_LIMIT records or fewer, the records are read by their ids and sorted (a
    new organisation's agent: nothing to read); when more, they are dense enough among
    the territory's for the walk along the list's index to meet a page of them soon."""
    records = search_records(territory, query, fields)
    searched = bool(search_words(query))
    reach = permissions.user_record_reach(agent, territory, records, COUNT_LIMIT)
    counted = None if searched else reach
    if reach is not None and reach <= COUNT_LIMIT:
        few = permissions.few_visible_user_records(agent, territory, records)
        return Reading(few, gathered=True, counted=counted)
    visible = permissions.visible_user_records(agent, territory, records)
    return Reading(visible, gathered=searched, counted=counted)
