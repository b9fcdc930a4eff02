"""What webhooks receive about an RDV. The context field is internal: it is kept apart
from the fields that describe the RDV to anyone else, and only sent while the
territory has the field switched on."""

from __future__ import annotations

from rdv_settings.queries import settings_for
from rdvs.models import Rdv


def rdv_payload(rdv: Rdv) -> dict:
    internal = {}
    if settings_for(rdv.territory).context_enabled:
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
            for link in rdv.agent_links.select_related("agent").order_by("agent_id")
        ],
        "user_records": [
            {"id": record.pk, "first_name": record.first_name, "last_name": record.last_name}
            for record in rdv.user_records.order_by("pk")
        ],
        "arrived_at": rdv.arrived_at,
        "cancelled_at": rdv.cancelled_at,
        "internal": internal,
    }
