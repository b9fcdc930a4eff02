"""Personal API tokens: an agent's key to the partner API (/api/v1/), in one territory.

Only the SHA-256 digest of a token is stored (as for invitations): the token is shown
once, when it is created, and a database leak gives no working key. A call made with
a token acts as its agent, with that agent's rights of the moment in the token's
territory (territories.permissions): revoking a role takes effect on the next call.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

TOKEN_PREFIX = "rdvt_"  # noqa: S105  a prefix that tells what the secret is for


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="espace",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="agent",
    )
    name = models.CharField("nom", max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, verbose_name="empreinte du jeton")
    # The last characters, for the agent to recognise a token in the list.
    hint = models.CharField(max_length=8, verbose_name="indice")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["territory", "agent"])]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
