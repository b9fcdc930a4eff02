"""An object as it is now, in the reference platform's shape: what a consumer holds once
it has received every change (what a backfill sends as `created`)."""

from __future__ import annotations

from typing import Any

from agents.payloads import agent_payload
from availability.payloads import absence_payload, availability_range_payload
from motifs.payloads import motif_payload
from rdvs.payloads import rdv_payload
from rdvsp.documents import BUILDERS
from territories.audit import json_safe
from territories.payloads import organisation_payload
from user_records.payloads import user_record_payload
from webhooks.rdvsp import Change, Document

# Reference model -> the project's payload of the object it is built from.
PAYLOADS = {
    "Organisation": lambda obj, territory: organisation_payload(obj),
    "Agent": agent_payload,
    "AgentRole": agent_payload,
    "Motif": lambda obj, territory: motif_payload(obj),
    "User": lambda obj, territory: user_record_payload(obj),
    "UserProfile": lambda obj, territory: user_record_payload(obj),
    "Rdv": lambda obj, territory: rdv_payload(obj),
    "Absence": lambda obj, territory: absence_payload(obj),
    "PlageOuverture": lambda obj, territory: availability_range_payload(obj),
}


def documents_now(territory, model: str, obj: Any) -> list[Document]:
    """The documents of `obj` (an agent for Agent and AgentRole, a user record for
    User and UserProfile), as they would be sent if it had just been created."""
    payload = json_safe(PAYLOADS[model](obj, territory))
    return BUILDERS[model](Change(territory, "", payload, None), "created")
