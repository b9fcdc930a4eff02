"""API tokens: created and revoked by their agent, each change audited."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from api.models import TOKEN_PREFIX, ApiToken, hash_token
from api.payloads import api_token_payload
from territories.changes import record_change
from territories.models import Territory


@transaction.atomic
def create_token(territory: Territory, name: str, *, acting_agent) -> tuple[ApiToken, str]:
    """A new token of `acting_agent` in `territory`. Returns it with the token itself,
    which is shown once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        territory=territory,
        agent=acting_agent,
        name=name,
        token_hash=hash_token(raw),
        hint=raw[-4:],
    )
    record_change(
        territory,
        "api_token.created",
        token,
        acting_agent=acting_agent,
        payload=api_token_payload(token),
    )
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, acting_agent) -> ApiToken:
    """The token stops working at once. Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = api_token_payload(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_change(
        token.territory,
        "api_token.revoked",
        token,
        acting_agent=acting_agent,
        payload=api_token_payload(token),
        before=before,
    )
    return token
