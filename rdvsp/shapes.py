"""The fields of the reference platform's objects (RDV Service Public), filled from the
project's: the values that differ (statuses, situations, phone numbers, dates with
their offset) are translated here, once; `rdvsp.documents` assembles them per change.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from motifs.models import Motif
from rdvs.models import CreatedBy, RdvStatus
from territories.models import Organisation
from user_records.fields import STANDARD_FIELDS, format_phone

# The reference platform's product line for this project's organisations.
VERTICALE = "rdv_solidarites"
STATUSES = {
    RdvStatus.UNKNOWN: "unknown",
    RdvStatus.SEEN: "seen",
    RdvStatus.EXCUSED: "excused",
    RdvStatus.CANCELLED: "revoked",
    RdvStatus.NOSHOW: "noshow",
}
CREATED_BY = {CreatedBy.AGENT: ("agent", "Agent"), CreatedBy.USAGER: ("user", "User")}
# The reference knows fewer situations: the nearest of its values.
FAMILY_SITUATIONS = {
    "single": "single",
    "in_couple": "in_a_relationship",
    "married": "in_a_relationship",
    "pacsed": "in_a_relationship",
    "divorced": "divorced",
    "widowed": "single",
}
LOGEMENTS = {
    "owner": "proprietaire",
    "tenant": "locataire",
    "hosted": "heberge",
    "no_home": "sdf",
    "other": "autre",
}
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


# --- values ---------------------------------------------------------------------------


def local_moment(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.localtime(value)


def moment(value: datetime | str | None) -> str | None:
    """ISO 8601 with the offset of the project's time zone."""
    local = local_moment(value)
    return local.isoformat(timespec="seconds") if local else None


def text(value: Any) -> Any:
    return None if value in ("", None) else value


def role_id(agent_id: int, organisation_id: int) -> int:
    """A stable id for an agent's membership of an organisation: the same when it is
    created, changed and removed (the row itself is gone by then), distinct for every
    pair (Cantor's pairing)."""
    total = agent_id + organisation_id
    return total * (total + 1) // 2 + organisation_id


# --- shapes ---------------------------------------------------------------------------


def organisation_data(pk: int, name: str, phone: str, email: str) -> dict[str, Any]:
    return {
        "id": pk,
        "name": name,
        "phone_number": text(phone),
        "email": text(email),
        "verticale": VERTICALE,
    }


def organisation_of(organisation: Organisation) -> dict[str, Any]:
    return organisation_data(
        organisation.pk, organisation.name, organisation.phone, organisation.email
    )


def agent_data(pk: int, first_name: str, last_name: str, email: str | None) -> dict[str, Any]:
    return {"id": pk, "first_name": first_name, "last_name": last_name, "email": text(email)}


def agent_of(agent) -> dict[str, Any] | None:
    if agent is None:
        return None
    return agent_data(agent.pk, agent.first_name, agent.last_name, agent.email)


def user_data(values: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    """`values`: a user record's payload (or the same keys read from its row)."""

    def shown(name: str) -> Any:
        return None if name in hidden else text(values.get(name))

    phone, email = shown("phone"), shown("email")
    return {
        "id": values["id"],
        "first_name": values["first_name"],
        "birth_name": shown("birth_name"),
        "last_name": values["last_name"],
        "email": email,
        "address": shown("address"),
        "phone_number": format_phone(phone) if phone else None,
        "phone_number_formatted": phone,
        "birth_date": shown("birth_date"),
        "caisse_affiliation": shown("affiliation"),
        "affiliation_number": shown("affiliation_number"),
        "family_situation": FAMILY_SITUATIONS.get(shown("family_situation")),
        "number_of_children": shown("number_of_children"),
        "notify_by_sms": bool(phone),
        "notify_by_email": bool(email),
        "created_at": moment(values.get("created_at")),
        "case_number": shown("case_number"),
        "address_details": shown("address_details"),
        "logement": LOGEMENTS.get(shown("housing_situation")),
        "notes": shown("notes"),
        "responsible_id": None,
        "user_profiles": None,
    }


def user_values(record) -> dict[str, Any]:
    return {
        "id": record.pk,
        **{name: getattr(record, name) for name in STANDARD_FIELDS},
        "created_at": record.created_at,
    }


def motif_data(values: dict[str, Any], organisation_id: int) -> dict[str, Any]:
    """`values`: a motif's payload (or the same keys read from its row)."""
    public = values["bookable_by_public"]
    return {
        "id": values["id"],
        "name": values["name"],
        "location_type": values["location_type"],
        "deleted_at": moment(values["archived_at"]),
        "bookable_publicly": public,
        "bookable_by": "everyone" if public else "agents",
        "service_id": values["service_id"],
        "organisation_id": organisation_id,
        "collectif": False,
        "follow_up": False,
        "instruction_for_rdv": text(values["instructions_after"]),
        "default_duration_in_min": values["default_duration"],
        "min_public_booking_delay": values["min_booking_delay"],
        "max_public_booking_delay": values["max_booking_delay"],
        "motif_category": None,
    }


def motif_values(motif: Motif) -> dict[str, Any]:
    fields = [
        "name",
        "location_type",
        "archived_at",
        "bookable_by_public",
        "service_id",
        "instructions_after",
        "default_duration",
        "min_booking_delay",
        "max_booking_delay",
    ]
    return {"id": motif.pk, **{name: getattr(motif, name) for name in fields}}


def time_text(value: time) -> str:
    return value.isoformat(timespec="seconds")


def rrule(values: dict[str, Any]) -> str | None:
    """A weekly availability range's recurrence, as RFC 5545 says it (None: once)."""
    if values["recurrence"] != "weekly":
        return None
    days = ",".join(BYDAY[day] for day in sorted(values["weekdays"]))
    rule = f"FREQ=WEEKLY;INTERVAL={values['every_n_weeks']};BYDAY={days}"
    if values["until"]:
        until = values["until"]
        until = until if isinstance(until, date) else date.fromisoformat(until)
        rule += f";UNTIL={until:%Y%m%d}T235959"
    return rule
