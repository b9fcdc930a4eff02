"""What the audit log keeps of an API token (never the token itself, nor its digest)."""

from __future__ import annotations

from typing import Any

from api.models import ApiToken


def api_token_payload(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "territory_id": token.territory_id,
        "agent_id": token.agent_id,
        "name": token.name,
        "hint": token.hint,
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
    }
