"""Invitations behind the use cases of agents/services.py: the token behind the link,
look-ups, and the clean-up of stale invitations.

The mail itself is sent by `agents.tasks.send_invitation_mail` after commit; it issues
the token (`issue_token`) as it leaves.
"""

from __future__ import annotations

import secrets

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from agents.models import INVITATION_VALIDITY, Agent, Invitation, hash_token
from territories.models import AgentRole, Territory, TerritoryAdmin


def territory_agents(territory: Territory) -> QuerySet[Agent]:
    """Agents of a territory: members of one of its organisations, or its admins."""
    with scopes_disabled():  # the subqueries name the territory explicitly
        member = AgentRole.objects.filter(agent=OuterRef("pk"), organisation__territory=territory)
        admin = TerritoryAdmin.objects.filter(agent=OuterRef("pk"), territory=territory)
        return Agent.objects.filter(Exists(member) | Exists(admin))


def open_invitation_for(territory: Territory, email: str) -> Invitation | None:
    return Invitation.objects.filter(
        territory=territory,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).first()


def find_by_token(token: str) -> Invitation | None:
    """Look an invitation up by the digest of its token.

    Only the SHA-256 digest is compared, inside the database's unique index: the time
    taken tells nothing about the raw token, so no prefix can be guessed bit by bit."""
    with scopes_disabled():
        return (
            Invitation.objects.select_related("territory", "invited_by", "agent")
            .filter(token_hash=hash_token(token))
            .first()
        )


def issue_token(invitation: Invitation) -> str:
    """A new random token (256 bits) for the link, valid 48 hours from now. Called when
    the mail goes out; the previous link, if any, stops working."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = hash_token(token)
    invitation.expires_at = now + INVITATION_VALIDITY
    invitation.save(update_fields=["token_hash", "expires_at"])
    return token


def prune_stale_invitations(older_than) -> int:
    """Forget invitations that expired or were revoked long ago (accepted ones stay)."""
    with scopes_disabled():
        stale = Invitation.objects.filter(accepted_at__isnull=True).filter(
            Q(expires_at__lt=older_than) | Q(revoked_at__lt=older_than)
        )
        pks = list(stale.values_list("pk", flat=True))
        Invitation.objects.filter(pk__in=pks).delete()
    return len(pks)
