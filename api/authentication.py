"""Who calls the API: `Authorization: Bearer <token>`, a personal token (api.models).

The token selects the territory, as an invitation link does: it is looked up by its
digest across territories (the unique index answers; the time taken says nothing about
the token). A revoked token, or one whose agent was deactivated, is refused (401).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from api.models import ApiToken, hash_token

KEYWORD = b"bearer"
MALFORMED = "En-tête Authorization invalide : attendu « Bearer <jeton> »."
REFUSED = "Jeton d'API inconnu ou révoqué."
# last_used_at is written at most once a minute per token: a busy partner does not
# turn every read into a write.
TOUCH_EVERY = timedelta(minutes=1)


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(MALFORMED)
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(MALFORMED) from None
        with scopes_disabled():  # the token names its territory (see the module's docstring)
            token = (
                ApiToken.objects.select_related("agent", "territory")
                .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
                .first()
            )
        if token is None or not token.agent.is_active:
            raise AuthenticationFailed(REFUSED)
        _touch(token)
        return token.agent, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a missing or refused token.
        return 'Bearer realm="api"'


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        with scopes_disabled():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
