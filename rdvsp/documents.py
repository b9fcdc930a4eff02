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
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from motifs.models import Motif
from rdv_settings.queries import settings_for
from rdvs.models import CreatedBy, Rdv, RdvAgent
from rdvsp.shapes import (
    CREATED_BY,
    STATUSES,
    agent_data,
    agent_of,
    local_moment,
    moment,
    motif_data,
    motif_values,
    organisation_data,
    organisation_of,
    role_id,
    rrule,
    text,
    time_text,
    user_data,
    user_values,
)
from territories.models import Organisation
from user_records.fields import hidden_fields
from webhooks.event_types import CHANGED
from webhooks.rdvsp import Change, Document


def _organisations(ids) -> dict[int, dict[str, Any]]:
    return {pk: organisation_of(o) for pk, o in Organisation.objects.in_bulk(list(ids)).items()}


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
    users = [user_data(user_values(link.userrecord), hidden) for link in links]
    status = STATUSES[rdv.status]
    created_by, created_by_type = CREATED_BY[rdv.created_by]
    if rdv.created_by == CreatedBy.AGENT:
        created_by_id = rdv.created_by_agent_id
    else:  # booked online: by the (first) user record it was booked for
        created_by_id = users[0]["id"] if users else None
    location = rdv.motif.location_type
    if location == "public_office":
        address = text(rdv.organisation.address)
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
        "organisation": organisation_of(rdv.organisation),
        "motif": motif_data(motif_values(rdv.motif), rdv.organisation_id),
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
        "agents": [agent_of(link.agent) for link in rdv.agent_links.all()],
        "lieu": None,
    }
    return [Document(event, data, (rdv.organisation_id,), rdv.pk)]


def _agent_and_organisations(territory, agent_id: int):
    agent = get_user_model()._default_manager.filter(pk=agent_id).first()
    organisations = Organisation.objects.filter(
        territory=territory, agent_roles__agent_id=agent_id
    ).order_by("pk")
    return agent_of(agent), [organisation_of(o) for o in organisations]


def build_absence(change: Change, event: str) -> list[Document]:
    p = change.payload
    agent, organisations = _agent_and_organisations(change.territory, p["agent_id"])
    starts, ends = local_moment(p["starts_at"]), local_moment(p["ends_at"])
    documents = []
    # One per organisation of the agent, each endpoint taking the first it may receive
    # (same key): the reference sends the agent's first organisation.
    for organisation in organisations or [None]:
        data = {
            "id": p["id"],
            "title": text(p["title"]),
            "first_day": starts.date().isoformat(),
            "end_day": ends.date().isoformat(),
            "start_time": time_text(starts.time()),
            "end_time": time_text(ends.time()),
            "agent": agent,
            "organisation": organisation,
            "rrule": None,
        }
        ids = (organisation["id"],) if organisation else ()
        documents.append(Document(event, data, ids, p["id"]))
    return documents


def build_plage_ouverture(change: Change, event: str) -> list[Document]:
    p = change.payload
    agent = get_user_model()._default_manager.filter(pk=p["agent_id"]).first()
    organisation = Organisation.objects.filter(pk=p["organisation_id"]).first()
    motifs = Motif.objects.filter(pk__in=p["motif_ids"]).order_by("pk")
    data = {
        "id": p["id"],
        "title": text(p["title"]),
        "first_day": p["first_day"],
        "start_time": p["start_time"],
        "end_time": p["end_time"],
        "agent": agent_of(agent),
        "organisation": organisation_of(organisation) if organisation else None,
        "motifs": [motif_data(motif_values(m), p["organisation_id"]) for m in motifs],
        "rrule": rrule(p),
    }
    return [Document(event, data, (p["organisation_id"],), p["id"])]


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
