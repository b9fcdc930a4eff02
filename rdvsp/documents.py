"""The project's objects in the reference platform's shapes (RDV Service Public), for the
webhook endpoints in that format: `webhooks.rdvsp` calls `BUILDERS` while a change is
recorded, in its transaction, and stores what they return on the deliveries.

The fields and their meaning are those the reference platform's consumers read (its
public blueprints); the project's concepts map onto them:

- user record → `User` (a standard field the territory hides is sent as null; its
  links to organisations → `UserProfile`); availability range → `PlageOuverture`
  (weekly recurrence as an RFC 5545 `rrule`); absence → `Absence`, with the agent's
  first organisation, as the reference sends it;
- RDV status: cancelled → `revoked` (cancelled by the service), the others keep their
  name; `created_by` → `agent`, or `user` for an online booking (its id: the booking
  user record); the context only while the territory shows the field;
- a motif shared by several organisations is one `Motif` per organisation, with that
  organisation's id; an agent's membership of an organisation → `AgentRole`.

Most shapes come from the change's payloads alone: they hold the object as it was
(before a deletion too), so `destroyed` describes what was there. An RDV is read
again, in a fixed number of queries whatever its participants.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone

from motifs.models import Motif
from rdv_settings.queries import settings_for
from rdvs.models import CreatedBy, Rdv, RdvAgent, RdvStatus
from territories.models import Organisation
from user_records.fields import STANDARD_FIELDS, format_phone, hidden_fields
from webhooks.event_types import CHANGED
from webhooks.rdvsp import Change, Document

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


def _local(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.localtime(value)


def moment(value: datetime | str | None) -> str | None:
    """ISO 8601 with the offset of the project's time zone."""
    local = _local(value)
    return local.isoformat(timespec="seconds") if local else None


def _text(value: Any) -> Any:
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
        "phone_number": _text(phone),
        "email": _text(email),
        "verticale": VERTICALE,
    }


def _organisation(organisation: Organisation) -> dict[str, Any]:
    return organisation_data(
        organisation.pk, organisation.name, organisation.phone, organisation.email
    )


def agent_data(pk: int, first_name: str, last_name: str, email: str | None) -> dict[str, Any]:
    return {"id": pk, "first_name": first_name, "last_name": last_name, "email": _text(email)}


def _agent(agent) -> dict[str, Any] | None:
    if agent is None:
        return None
    return agent_data(agent.pk, agent.first_name, agent.last_name, agent.email)


def user_data(values: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    """`values`: a user record's payload (or the same keys read from its row)."""

    def shown(name: str) -> Any:
        return None if name in hidden else _text(values.get(name))

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


def _user_values(record) -> dict[str, Any]:
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
        "instruction_for_rdv": _text(values["instructions_after"]),
        "default_duration_in_min": values["default_duration"],
        "min_public_booking_delay": values["min_booking_delay"],
        "max_public_booking_delay": values["max_booking_delay"],
        "motif_category": None,
    }


def _motif_values(motif: Motif) -> dict[str, Any]:
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


def _organisations(ids) -> dict[int, dict[str, Any]]:
    return {pk: _organisation(o) for pk, o in Organisation.objects.in_bulk(list(ids)).items()}


def _plan(after: list[int], before: list[int] | None, event: str) -> list[tuple[int, str]]:
    """(organisation, meta.event) for an object held per organisation: with CHANGED, an
    organisation added is `created`, removed `destroyed`, kept `updated`."""
    if event != CHANGED:
        return [(pk, event) for pk in sorted(set(after))]
    previous = set(after if before is None else before)
    plan = [(pk, "updated" if pk in previous else "created") for pk in sorted(set(after))]
    return plan + [(pk, "destroyed") for pk in sorted(previous - set(after))]


# --- builders: (change, meta.event from the table) -> documents -----------------------


def build_organisation(change: Change, event: str) -> list[Document]:
    p = change.payload
    data = organisation_data(p["id"], p["name"], p["phone"], p["email"])
    return [Document(event, data, (p["id"],), p["id"])]


def build_agent(change: Change, event: str) -> list[Document]:
    p = change.payload
    organisation_ids = {o["id"] for o in p["organisations"]}
    organisation_ids |= {o["id"] for o in (change.before or {}).get("organisations", [])}
    data = agent_data(p["id"], p["first_name"], p["last_name"], p["email"])
    return [Document(event, data, tuple(sorted(organisation_ids)), p["id"])]


def build_agent_role(change: Change, event: str) -> list[Document]:
    p = change.payload
    after = {o["id"]: o for o in p["organisations"]}
    before = {o["id"]: o for o in (change.before or p)["organisations"]}
    plan = _plan(list(after), list(before), event)
    if event == CHANGED:
        # A kept membership is news only when its access level changed.
        plan = [
            (pk, done)
            for pk, done in plan
            if done != "updated" or after[pk]["access_level"] != before[pk]["access_level"]
        ]
    organisations = _organisations(pk for pk, _ in plan)
    agent = agent_data(p["id"], p["first_name"], p["last_name"], p["email"])
    documents = []
    for pk, done in plan:
        role = after.get(pk) or before[pk]
        organisation = organisations.get(pk) or organisation_data(pk, role["name"], "", "")
        data = {
            "id": role_id(p["id"], pk),
            "access_level": role["access_level"],
            "organisation": organisation,
            "agent": agent,
        }
        documents.append(Document(done, data, (pk,), (p["id"], pk)))
    return documents


def build_motif(change: Change, event: str) -> list[Document]:
    p = change.payload
    before = (change.before or {}).get("organisation_ids")
    return [
        Document(
            done,
            motif_data(change.before if done == "destroyed" and change.before else p, pk),
            (pk,),
            (p["id"], pk),
        )
        for pk, done in _plan(p["organisation_ids"], before, event)
    ]


def build_user(change: Change, event: str) -> list[Document]:
    p = change.payload
    organisation_ids = set(p["organisation_ids"])
    organisation_ids |= set((change.before or {}).get("organisation_ids", []))
    data = user_data(p, hidden_fields(change.territory))
    return [Document(event, data, tuple(sorted(organisation_ids)), p["id"])]


def build_user_profile(change: Change, event: str) -> list[Document]:
    p = change.payload
    before = (change.before or {}).get("organisation_ids")
    # A kept link has nothing new: the user's own changes come as `User`.
    plan = [
        (pk, done)
        for pk, done in _plan(p["organisation_ids"], before, event)
        if event != CHANGED or done != "updated"
    ]
    if not plan:
        return []
    organisations = _organisations(pk for pk, _ in plan)
    user = user_data(p, hidden_fields(change.territory))
    return [
        Document(done, {"user": user, "organisation": organisations.get(pk)}, (pk,), (p["id"], pk))
        for pk, done in plan
    ]


def build_rdv(change: Change, event: str) -> list[Document]:
    rdv = (
        Rdv.objects.select_related("organisation", "motif")
        .prefetch_related(
            Prefetch(
                "agent_links",
                queryset=RdvAgent.objects.select_related("agent").order_by("agent_id"),
            )
        )
        .get(pk=change.payload["id"])
    )
    links = list(
        Rdv.user_records.through.objects.filter(rdv_id=rdv.pk)
        .select_related("userrecord")
        .order_by("pk")
    )
    hidden = hidden_fields(change.territory)
    users = [user_data(_user_values(link.userrecord), hidden) for link in links]
    status = STATUSES[rdv.status]
    created_by, created_by_type = CREATED_BY[rdv.created_by]
    if rdv.created_by == CreatedBy.AGENT:
        created_by_id = rdv.created_by_agent_id
    else:  # booked online: by the (first) user record it was booked for
        created_by_id = users[0]["id"] if users else None
    location = rdv.motif.location_type
    if location == "public_office":
        address = _text(rdv.organisation.address)
    elif location == "home" and users:
        address = users[0]["address"]
    else:
        address = None
    data = {
        "id": rdv.pk,
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/rdvs/{rdv.pk}")),
        "status": status,
        "starts_at": moment(rdv.starts_at),
        "ends_at": moment(rdv.ends_at),
        "duration_in_min": int((rdv.ends_at - rdv.starts_at).total_seconds() // 60),
        "address": address,
        "context": rdv.context if settings_for(change.territory).context_enabled else None,
        "cancelled_at": moment(rdv.cancelled_at),
        "max_participants_count": None,
        "users_count": len(users),
        "name": None,
        "collectif": False,
        "created_by": created_by,
        "created_by_type": created_by_type,
        "created_by_id": created_by_id,
        "organisation": _organisation(rdv.organisation),
        "motif": motif_data(_motif_values(rdv.motif), rdv.organisation_id),
        "users": users,
        "participations": [
            {
                "id": link.pk,
                "status": status,
                "send_lifecycle_notifications": True,
                "send_reminder_notification": True,
                "created_by": created_by,
                "created_by_type": created_by_type,
                "created_by_id": created_by_id,
                "user": user,
            }
            for link, user in zip(links, users, strict=True)
        ],
        "agents": [_agent(link.agent) for link in rdv.agent_links.all()],
        "lieu": None,
    }
    return [Document(event, data, (rdv.organisation_id,), rdv.pk)]


def _agent_and_organisations(territory, agent_id: int):
    agent = get_user_model()._default_manager.filter(pk=agent_id).first()
    organisations = Organisation.objects.filter(
        territory=territory, agent_roles__agent_id=agent_id
    ).order_by("pk")
    return _agent(agent), [_organisation(o) for o in organisations]


def build_absence(change: Change, event: str) -> list[Document]:
    p = change.payload
    agent, organisations = _agent_and_organisations(change.territory, p["agent_id"])
    starts, ends = _local(p["starts_at"]), _local(p["ends_at"])
    documents = []
    # One per organisation of the agent, each endpoint taking the first it may receive
    # (same key): the reference sends the agent's first organisation.
    for organisation in organisations or [None]:
        data = {
            "id": p["id"],
            "title": _text(p["title"]),
            "first_day": starts.date().isoformat(),
            "end_day": ends.date().isoformat(),
            "start_time": _time(starts.time()),
            "end_time": _time(ends.time()),
            "agent": agent,
            "organisation": organisation,
            "rrule": None,
        }
        ids = (organisation["id"],) if organisation else ()
        documents.append(Document(event, data, ids, p["id"]))
    return documents


def rrule(values: dict[str, Any]) -> str | None:
    if values["recurrence"] != "weekly":
        return None
    days = ",".join(BYDAY[day] for day in sorted(values["weekdays"]))
    rule = f"FREQ=WEEKLY;INTERVAL={values['every_n_weeks']};BYDAY={days}"
    if values["until"]:
        until = values["until"]
        until = until if isinstance(until, date) else date.fromisoformat(until)
        rule += f";UNTIL={until:%Y%m%d}T235959"
    return rule


def build_plage_ouverture(change: Change, event: str) -> list[Document]:
    p = change.payload
    agent = get_user_model()._default_manager.filter(pk=p["agent_id"]).first()
    organisation = Organisation.objects.filter(pk=p["organisation_id"]).first()
    motifs = Motif.objects.filter(pk__in=p["motif_ids"]).order_by("pk")
    data = {
        "id": p["id"],
        "title": _text(p["title"]),
        "first_day": p["first_day"],
        "start_time": p["start_time"],
        "end_time": p["end_time"],
        "agent": _agent(agent),
        "organisation": _organisation(organisation) if organisation else None,
        "motifs": [motif_data(_motif_values(m), p["organisation_id"]) for m in motifs],
        "rrule": rrule(p),
    }
    return [Document(event, data, (p["organisation_id"],), p["id"])]


def _time(value: time) -> str:
    return value.isoformat(timespec="seconds")


BUILDERS = {
    "Organisation": build_organisation,
    "Agent": build_agent,
    "AgentRole": build_agent_role,
    "Motif": build_motif,
    "User": build_user,
    "UserProfile": build_user_profile,
    "Rdv": build_rdv,
    "Absence": build_absence,
    "PlageOuverture": build_plage_ouverture,
}
