"""The objects a webhook backfill sends (webhooks.backfill), registered from here: this
app sits above every app whose objects and payloads they are, the webhooks app below
them knows none. Each payload is the one the app's own services send."""

from __future__ import annotations

from django.db.models import Prefetch

from agents.invitations import territory_agents
from agents.payloads import agent_organisation_ids, agent_payload
from availability.models import Absence, AvailabilityRange
from availability.payloads import absence_payload, availability_range_payload
from motifs.models import Motif
from motifs.payloads import motif_payload
from rdv_settings.queries import settings_for
from rdvs.models import Rdv, RdvAgent
from rdvs.payloads import rdv_payload
from territories.models import Organisation, Territory
from territories.payloads import organisation_payload
from user_records.models import UserRecord
from user_records.payloads import user_record_payload
from user_records.queries import SEARCH_TEXTS
from webhooks.backfill import Source, register_source


def _context_enabled(territory) -> bool:
    """The territory's RDV setting, read once per batch (on the batch's territory object)."""
    if not hasattr(territory, "_backfill_context_enabled"):
        territory._backfill_context_enabled = settings_for(territory).context_enabled
    return territory._backfill_context_enabled


def _organisation(payload: dict) -> list[int]:
    return [payload["organisation_id"]]


def _organisations(payload: dict) -> list[int]:
    return payload["organisation_ids"]


SOURCES = [
    Source(
        "organisation.created",
        rows=lambda territory_id: Organisation.objects.filter(territory_id=territory_id),
        in_organisations="pk__in",
        payload=lambda organisation, territory: organisation_payload(organisation),
        organisation_ids=lambda payload: [payload["id"]],
    ),
    Source(
        "agent.joined",
        rows=lambda territory_id: territory_agents(Territory(pk=territory_id)),
        in_organisations="roles__organisation__in",
        payload=agent_payload,
        organisation_ids=agent_organisation_ids,
    ),
    Source(
        "motif.created",
        rows=lambda territory_id: Motif.objects.filter(territory_id=territory_id),
        in_organisations="organisations__in",
        payload=lambda motif, territory: motif_payload(motif),
        organisation_ids=_organisations,
    ),
    Source(
        "user_record.created",
        rows=lambda territory_id: UserRecord.objects.filter(territory_id=territory_id),
        in_organisations="organisations__in",
        payload=lambda record, territory: user_record_payload(record),
        organisation_ids=_organisations,
        prepare=lambda rows: rows.defer(*SEARCH_TEXTS).prefetch_related("organisations"),
    ),
    Source(
        "rdv.created",
        rows=lambda territory_id: Rdv.objects.filter(territory_id=territory_id),
        in_organisations="organisation__in",
        payload=lambda rdv, territory: rdv_payload(
            rdv, context_enabled=_context_enabled(territory)
        ),
        organisation_ids=_organisation,
        prepare=lambda rows: rows.select_related("territory", "motif").prefetch_related(
            Prefetch("agent_links", queryset=RdvAgent.objects.select_related("agent")),
            Prefetch("user_records", queryset=UserRecord.objects.defer(*SEARCH_TEXTS)),
        ),
    ),
    Source(
        "availability_range.created",
        rows=lambda territory_id: AvailabilityRange.objects.filter(territory_id=territory_id),
        in_organisations="organisation__in",
        payload=lambda availability_range, territory: availability_range_payload(
            availability_range
        ),
        organisation_ids=_organisation,
        prepare=lambda rows: rows.prefetch_related("motifs"),
    ),
    Source(
        "absence.created",
        rows=lambda territory_id: Absence.objects.filter(territory_id=territory_id),
        in_organisations="agent__roles__organisation__in",
        payload=lambda absence, territory: absence_payload(absence),
        organisation_ids=lambda payload: [],
    ),
]


def register_backfill_sources() -> None:
    for source in SOURCES:
        register_source(source)
