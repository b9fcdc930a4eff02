"""Invitations behind the use cases of agents/services.py: the token behind the link,
look-ups, and the clean-up of stale invitations.

The mail itself is sent by `agents.tasks.send_invitation_mail` after commit; it issues
the token (`issue_token`) as it leaves.
"""

from __future__ import annotations

import secrets

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
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


def _derive_token(invitation: Invitation, nonce: str) -> str:
    return salted_hmac(
        "agents.invitation.link", f"{invitation.pk}:{nonce}", algorithm="sha256"
    ).hexdigest()


def find_replaced(token: str) -> Invitation | None:
    """The open invitation whose link `token` was, before "Renvoyer" replaced it."""
    with scopes_disabled():
        return (
            Invitation.objects.select_related("territory", "invited_by")
            .filter(
                replaced_token_hashes__contains=[hash_token(token)],
                accepted_at__isnull=True,
                revoked_at__isnull=True,
            )
            .first()
        )


def issue_token(invitation: Invitation) -> str:
    """A new token for the link, valid 48 hours from now. Called when the mail goes out;
    the previous link, if any, stops working.

    The token is an HMAC (server's secret key) of a random nonce (256 bits) kept on the
    invitation: the admin's page can show the same link again (`link_token`) while the
    database alone, which holds only the nonce and the token's digest, gives no link."""
    nonce = secrets.token_urlsafe(32)
    token = _derive_token(invitation, nonce)
    invitation.token_nonce = nonce
    invitation.token_hash = hash_token(token)
    invitation.expires_at = timezone.now() + INVITATION_VALIDITY
    invitation.save(update_fields=["token_nonce", "token_hash", "expires_at"])
    return token


def link_token(invitation: Invitation) -> str | None:
    """The token of the link mailed last, while that link works: None once the
    invitation is re-sent (its digest is cleared until the new mail leaves), revoked,
    accepted or expired."""
    if not invitation.is_open or invitation.is_expired or not invitation.token_hash:
        return None
    if not invitation.token_nonce:
        return None
    token = _derive_token(invitation, invitation.token_nonce)
    # A changed secret key would derive another token: show no link rather than a dead one.
    if not constant_time_compare(hash_token(token), invitation.token_hash):
        return None
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
