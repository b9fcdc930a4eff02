"""What webhooks receive about an RDV. The context field is internal: it is kept apart
from the fields that describe the RDV to anyone else, and only sent while the
territory has the field switched on."""

from __future__ import annotations

from operator import attrgetter

from rdv_settings.queries import settings_for
from rdvs.models import Rdv


def rdv_payload(rdv: Rdv, *, context_enabled: bool | None = None) -> dict:
    """`context_enabled`: the territory's setting, when the caller already read it; the
    agents (`agent_links` with their agent) and usagers are read from the rows the
    caller prefetched, if it did: a webhook backfill builds 500 payloads at a time."""
    if context_enabled is None:
        context_enabled = settings_for(rdv.territory).context_enabled
    prefetched = getattr(rdv, "_prefetched_objects_cache", {})
    if "agent_links" in prefetched:
        links = sorted(prefetched["agent_links"], key=attrgetter("agent_id"))
    else:
        links = rdv.agent_links.select_related("agent").order_by("agent_id")
    if "user_records" in prefetched:
        records = sorted(prefetched["user_records"], key=attrgetter("pk"))
    else:
        records = rdv.user_records.order_by("pk")
    internal = {}
    if context_enabled:
        internal["context"] = rdv.context
    return {
        "id": rdv.pk,
        "territory_id": rdv.territory_id,
        "organisation_id": rdv.organisation_id,
        "motif": {"id": rdv.motif_id, "name": rdv.motif.name},
        "starts_at": rdv.starts_at,
        "ends_at": rdv.ends_at,
        "status": rdv.status,
        "created_by": rdv.created_by,
        "agents": [
            {
                "id": link.agent_id,
                "email": link.agent.email,
                "first_name": link.agent.first_name,
                "last_name": link.agent.last_name,
            }
            for link in links
        ],
        "user_records": [
            {"id": record.pk, "first_name": record.first_name, "last_name": record.last_name}
            for record in records
        ],
        "arrived_at": rdv.arrived_at,
        "cancelled_at": rdv.cancelled_at,
        "internal": internal,
    }
