"""Invitation use cases: invite, resend, revoke, accept, and the token behind the link.

Each write is atomic and leaves a webhook event and an audit entry. The mail itself
is sent by `agents.tasks.send_invitation_mail` after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from agents.models import (
    INVITATION_VALIDITY,
    AccessLevel,
    Agent,
    AgentRole,
    AgentService,
    Invitation,
    TerritoryAdmin,
    hash_token,
)
from agents.services import agent_payload
from territories import audit
from territories.models import Organisation, Service, Territory
from territories.queries import active_services
from webhooks.events import publish


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def invitation_payload(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "status": invitation.status.value,
        "services": sorted(s.pk for s in invitation.services.all()),
        "organisations": sorted(o.pk for o in invitation.organisations.all()),
        "invited_by": invitation.invited_by_id,
        "created_at": _iso(invitation.created_at),
        "sent_at": _iso(invitation.sent_at),
        "expires_at": _iso(invitation.expires_at),
        "accepted_at": _iso(invitation.accepted_at),
        "revoked_at": _iso(invitation.revoked_at),
    }


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


def _unsent(invitation: Invitation) -> None:
    """Back to "to be sent": no working link until the mail task issues a new token."""
    invitation.token_hash = None
    invitation.sent_at = None
    invitation.expires_at = None
    invitation.send_failed = False


def _announce(
    invitation: Invitation, action: str, acting_agent: Agent, *, before: dict | None = None
) -> None:
    """The webhook event and the audit entry of an invitation change."""
    payload = invitation_payload(invitation)
    organisations = invitation.organisations.all()
    publish(invitation.territory, action, payload, organisations=organisations)
    audit.record(
        invitation.territory, acting_agent, action, invitation, before=before, after=payload
    )


def _queue_mail(invitation: Invitation) -> None:
    from agents.tasks import send_invitation_mail

    send_invitation_mail.delay_on_commit(invitation.pk)


@transaction.atomic
def invite_agent(
    territory: Territory,
    email: str,
    services: Iterable[Service],
    organisations: Iterable[Organisation],
    *,
    acting_agent: Agent,
) -> Invitation:
    """Invite one address; an expired invitation of the same address is renewed."""
    email = email.strip().lower()
    if territory_agents(territory).filter(email__iexact=email).exists():
        raise ValidationError("Cette adresse appartient déjà à un agent de cet espace.")
    invitation = open_invitation_for(territory, email)
    if invitation is not None and not invitation.is_expired:
        raise ValidationError("Une invitation est déjà en cours pour cette adresse.")
    if invitation is None:
        invitation = Invitation(territory=territory, email=email)
    invitation.invited_by = acting_agent
    _unsent(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:  # a simultaneous invitation of the same address
        raise ValidationError("Une invitation est déjà en cours pour cette adresse.") from exc
    invitation.services.set(services)
    invitation.organisations.set(organisations)
    _announce(invitation, "agent.invited", acting_agent)
    _queue_mail(invitation)
    return invitation


@transaction.atomic
def resend_invitation(invitation: Invitation, *, acting_agent: Agent) -> None:
    """A new mail with a new token; the old link is dead as soon as this commits."""
    if not invitation.is_open:
        raise ValidationError("Cette invitation n'est plus en cours.")
    before = invitation_payload(invitation)
    invitation.invited_by = acting_agent
    _unsent(invitation)
    invitation.save(
        update_fields=["token_hash", "sent_at", "expires_at", "send_failed", "invited_by"]
    )
    _announce(invitation, "invitation.resent", acting_agent, before=before)
    _queue_mail(invitation)


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, acting_agent: Agent) -> None:
    if not invitation.is_open:
        raise ValidationError("Cette invitation n'est plus en cours.")
    before = invitation_payload(invitation)
    invitation.revoked_at = timezone.now()
    invitation.token_hash = None
    invitation.save(update_fields=["revoked_at", "token_hash"])
    _announce(invitation, "invitation.revoked", acting_agent, before=before)


def _lock_open(invitation: Invitation) -> Invitation:
    """Re-read under a row lock, so that two submissions cannot both accept."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_open or locked.token_hash is None:
        raise ValidationError("Cette invitation n'est plus valable.")
    if locked.is_expired:
        raise ValidationError("Cette invitation a expiré.")
    return locked


@transaction.atomic
def accept_invitation(invitation: Invitation, agent: Agent) -> None:
    """The agent joins the territory: basic access in the chosen organisations, and
    the chosen services that are still active."""
    invitation = _lock_open(invitation)
    territory = invitation.territory
    if agent.email.lower() != invitation.email.lower():
        raise ValidationError("Cette invitation est destinée à une autre adresse e-mail.")
    for organisation in invitation.organisations.all():
        AgentRole.objects.get_or_create(
            agent=agent, organisation=organisation, defaults={"access_level": AccessLevel.BASIC}
        )
    for service in invitation.services.filter(pk__in=active_services(territory)):
        AgentService.objects.get_or_create(agent=agent, territory=territory, service=service)
    invitation.accepted_at = timezone.now()
    invitation.agent = agent
    # The digest stays: the link no longer works, but opened again (a double submit,
    # the mail clicked twice) it is recognised and answered "already accepted".
    invitation.save(update_fields=["accepted_at", "agent"])
    payload = agent_payload(agent, territory)
    organisations = [o["id"] for o in payload["organisations"]]
    publish(territory, "agent.joined", payload, organisations=organisations)
    audit.record(territory, agent, "agent.joined", agent, after=payload)


@transaction.atomic
def join_with_new_account(
    invitation: Invitation, *, first_name: str, last_name: str, password: str
) -> Agent:
    _lock_open(invitation)
    if Agent.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("Un compte existe déjà pour cette adresse : connectez-vous.")
    agent = Agent.objects.create_user(
        invitation.email, password, first_name=first_name.strip(), last_name=last_name.strip()
    )
    accept_invitation(invitation, agent)
    return agent


def prune_stale_invitations(older_than) -> int:
    """Forget invitations that expired or were revoked long ago (accepted ones stay)."""
    with scopes_disabled():
        stale = Invitation.objects.filter(accepted_at__isnull=True).filter(
            Q(expires_at__lt=older_than) | Q(revoked_at__lt=older_than)
        )
        pks = list(stale.values_list("pk", flat=True))
        Invitation.objects.filter(pk__in=pks).delete()
    return len(pks)
