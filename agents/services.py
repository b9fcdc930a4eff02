"""Writes of the Agents section, one function per use case, each recording its change
(`territories.changes.record_change`): inviting (and resending, revoking, accepting an
invitation), then managing the agents who joined — services, organisations, access
levels, the territory admin role, removal. The token behind an invitation link and
the look-ups live in agents/invitations.py."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.invitations import open_invitation_for, territory_agents
from agents.membership import refusals_to_leave
from agents.models import Agent, Invitation
from agents.payloads import agent_organisation_ids, agent_payload, invitation_payload
from agents.tasks import send_invitation_mail
from territories.changes import check_version, record_change
from territories.errors import ServiceError
from territories.models import (
    AccessLevel,
    AgentRole,
    AgentService,
    Organisation,
    Service,
    Territory,
    TerritoryAdmin,
)
from territories.queries import active_services

ALREADY_MEMBER = "Cette adresse appartient déjà à un agent de cet espace."
ACCOUNT_EXISTS = (
    "Cette adresse appartient déjà à un compte : invitez cette personne, puis donnez-lui "
    "le niveau intervenant sur sa page si elle ne doit pas se connecter."
)
ALREADY_INVITED = "Une invitation est déjà en cours pour cette adresse."
NO_LONGER_OPEN = "Cette invitation n'est plus en cours."
ACCOUNT_FOR_INVITATION = "Un compte existe déjà pour cette adresse : connectez-vous."


def _refusals(
    agent: Agent,
    admins: list[int],
    current: dict[int, AgentRole],
    levels: dict[Organisation, str | None],
    make_territory_admin: bool,
) -> list[str]:
    """What forbids the change, in French; empty when it may go ahead. `admins`: the
    territory admins, locked (`_lock_roles`)."""
    errors: list[str] = []
    if agent.pk in admins and not make_territory_admin and len(admins) == 1:
        errors.append(
            "Impossible de retirer le dernier administrateur de l'espace : "
            "nommez d'abord un autre administrateur."
        )
    for organisation, level in levels.items():
        role = current.get(organisation.pk)
        if role is None:
            continue
        if role.access_level == AccessLevel.ADMIN and level != AccessLevel.ADMIN:
            other_admins = (
                AgentRole.objects.select_for_update()
                .filter(organisation=organisation, access_level=AccessLevel.ADMIN)
                .exclude(agent=agent)
            )
            if not other_admins.exists():
                errors.append(
                    f"L'organisation « {organisation.name} » n'aurait plus d'administrateur : "
                    "donnez d'abord ce niveau d'accès à un autre agent de l'organisation."
                )
        if level is None:
            errors.extend(refusals_to_leave(agent, organisation))
    return errors


def _lock_roles(agent: Agent, territory: Territory) -> tuple[list[int], dict[int, AgentRole]]:
    """The territory's admins (agent ids) and the agent's roles, locked in that order.

    Two admins demoting each other (or the two admins of an organisation) at the same
    time cannot leave the territory or an organisation without an admin: the second
    waits for the first. The territory's admins come first, the same rows in the same
    order for every change of roles, so these changes queue there; locking the agent's
    roles first let two of them each hold what the other waited for (a deadlock)."""
    admins = list(
        TerritoryAdmin.objects.select_for_update()
        .filter(territory=territory)
        .order_by("pk")
        .values_list("agent_id", flat=True)
    )
    roles = AgentRole.objects.select_for_update().filter(
        agent=agent, organisation__territory=territory
    )
    return admins, {role.organisation_id: role for role in roles}


@transaction.atomic
def update_agent(
    territory: Territory,
    agent: Agent,
    *,
    services: Iterable[Service],
    levels: dict[Organisation, str | None],
    is_territory_admin: bool,
    acting_agent: Agent,
    version: str | None = None,
) -> bool:
    """Set the agent's active services, access level per organisation (None: not a
    member) and territory admin role. Returns whether anything changed; raises
    ServiceError (French) when the change is refused."""
    admins, current = _lock_roles(agent, territory)
    before = agent_payload(agent, territory)
    errors = _refusals(agent, admins, current, levels, is_territory_admin)
    if errors:
        raise ServiceError(errors)

    for organisation, level in levels.items():
        role = current.get(organisation.pk)
        if level is None and role is not None:
            role.delete()
        elif level is not None and role is None:
            AgentRole.objects.create(agent=agent, organisation=organisation, access_level=level)
        elif level is not None and role.access_level != level:
            role.access_level = level
            role.save(update_fields=["access_level"])

    # Only active services are offered; an assignment to a service the territory has
    # since deactivated is kept as it is (shown as "service désactivé").
    offered = set(active_services(territory).values_list("pk", flat=True))
    wanted = {service.pk for service in services} & offered
    assigned = AgentService.objects.filter(agent=agent, territory=territory)
    assigned.filter(service_id__in=offered - wanted).delete()
    have = set(assigned.values_list("service_id", flat=True))
    AgentService.objects.bulk_create(
        AgentService(agent=agent, territory=territory, service_id=pk) for pk in wanted - have
    )

    if is_territory_admin:
        TerritoryAdmin.objects.get_or_create(agent=agent, territory=territory)
    else:
        TerritoryAdmin.objects.filter(agent=agent, territory=territory).delete()

    after = agent_payload(agent, territory)
    if after == before:
        return False
    # Checked last: only a form that would change something conflicts (the rows are
    # locked, so the writes above roll back with the refusal).
    check_version(before, version)
    record_change(
        territory,
        "agent.updated",
        agent,
        acting_agent=acting_agent,
        payload=after,
        before=before,
        organisations=agent_organisation_ids(before, after),
    )
    return True


@transaction.atomic
def remove_agent(territory: Territory, agent: Agent, *, acting_agent: Agent) -> None:
    """Take the agent out of the territory: roles, services and admin role here (the
    account itself remains: it may belong to other territories)."""
    admins, current = _lock_roles(agent, territory)
    before = agent_payload(agent, territory)
    organisations = Organisation.objects.filter(pk__in=current)
    levels: dict[Organisation, str | None] = dict.fromkeys(organisations)
    errors = _refusals(agent, admins, current, levels, make_territory_admin=False)
    if errors:
        raise ServiceError(errors)
    AgentRole.objects.filter(pk__in=[role.pk for role in current.values()]).delete()
    AgentService.objects.filter(agent=agent, territory=territory).delete()
    TerritoryAdmin.objects.filter(agent=agent, territory=territory).delete()
    record_change(
        territory,
        "agent.removed",
        agent,
        acting_agent=acting_agent,
        payload=before,
        organisations=list(current),
        deleted=True,
    )


@transaction.atomic
def create_intervenant(
    territory: Territory,
    *,
    first_name: str,
    last_name: str,
    email: str | None,
    services: Iterable[Service],
    organisations: Iterable[Organisation],
    acting_agent: Agent,
) -> Agent:
    """An intervenant joins the territory without an invitation: an agenda that others
    book into, no password (no login), the e-mail optional."""
    email = (email or "").strip().lower() or None
    if email and Agent.objects.filter(email__iexact=email).exists():
        raise ServiceError(ACCOUNT_EXISTS, field="email")
    agent = Agent(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    agent.set_unusable_password()
    try:
        with transaction.atomic():
            agent.save()
    except IntegrityError as exc:  # the same address saved meanwhile
        raise ServiceError(ACCOUNT_EXISTS, field="email") from exc
    AgentRole.objects.bulk_create(
        AgentRole(agent=agent, organisation=organisation, access_level=AccessLevel.INTERVENANT)
        for organisation in organisations
    )
    offered = active_services(territory)
    AgentService.objects.bulk_create(
        AgentService(agent=agent, territory=territory, service=service)
        for service in offered.filter(pk__in=[service.pk for service in services])
    )
    payload = agent_payload(agent, territory)
    record_change(
        territory,
        "agent.joined",
        agent,
        acting_agent=acting_agent,
        payload=payload,
        organisations=agent_organisation_ids(payload),
    )
    return agent


# Invitations ------------------------------------------------------------------------


def _unsent(invitation: Invitation) -> None:
    """Back to "to be sent": no working link until the mail task issues a new token."""
    invitation.token_hash = None
    invitation.sent_at = None
    invitation.expires_at = None
    invitation.send_failed = False


def _record_invitation(
    invitation: Invitation, action: str, acting_agent: Agent, *, before: dict | None = None
) -> None:
    record_change(
        invitation.territory,
        action,
        invitation,
        acting_agent=acting_agent,
        payload=invitation_payload(invitation),
        before=before,
        organisations=invitation.organisations.all(),
    )


def _queue_mail(invitation: Invitation) -> None:
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
        raise ServiceError(ALREADY_MEMBER, field="email")
    invitation = open_invitation_for(territory, email)
    if invitation is not None and not invitation.is_expired:
        raise ServiceError(ALREADY_INVITED, field="email")
    if invitation is None:
        invitation = Invitation(territory=territory, email=email)
    invitation.invited_by = acting_agent
    _unsent(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:  # a simultaneous invitation of the same address
        raise ServiceError(ALREADY_INVITED, field="email") from exc
    invitation.services.set(services)
    invitation.organisations.set(organisations)
    _record_invitation(invitation, "agent.invited", acting_agent)
    _queue_mail(invitation)
    return invitation


def _lock(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().get(pk=invitation.pk)


def _lock_pending(invitation: Invitation) -> tuple[Invitation, dict]:
    """The invitation re-read under a lock, still pending, and its payload before."""
    invitation = _lock(invitation)
    if not invitation.is_open:
        raise ServiceError(NO_LONGER_OPEN)
    return invitation, invitation_payload(invitation)


# How many replaced links of one invitation still say "replaced" (older ones: "unknown").
REPLACED_LINKS_KEPT = 10


@transaction.atomic
def resend_invitation(invitation: Invitation, *, acting_agent: Agent) -> Invitation:
    """A new mail with a new token; the old link is dead as soon as this commits."""
    invitation, before = _lock_pending(invitation)
    invitation.invited_by = acting_agent
    if invitation.token_hash:
        replaced = [*invitation.replaced_token_hashes, invitation.token_hash]
        invitation.replaced_token_hashes = replaced[-REPLACED_LINKS_KEPT:]
    _unsent(invitation)
    invitation.save(
        update_fields=[
            "token_hash",
            "replaced_token_hashes",
            "sent_at",
            "expires_at",
            "send_failed",
            "invited_by",
        ]
    )
    _record_invitation(invitation, "invitation.resent", acting_agent, before=before)
    _queue_mail(invitation)
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, acting_agent: Agent) -> Invitation:
    invitation, before = _lock_pending(invitation)
    invitation.revoked_at = timezone.now()
    invitation.token_hash = None
    invitation.save(update_fields=["revoked_at", "token_hash"])
    _record_invitation(invitation, "invitation.revoked", acting_agent, before=before)
    return invitation


def _lock_open(invitation: Invitation) -> Invitation:
    """Re-read under a row lock, so that two submissions cannot both accept."""
    locked = _lock(invitation)
    if not locked.is_open or locked.token_hash is None:
        raise ServiceError("Cette invitation n'est plus valable.")
    if locked.is_expired:
        raise ServiceError("Cette invitation a expiré.")
    return locked


@transaction.atomic
def accept_invitation(invitation: Invitation, *, acting_agent: Agent) -> None:
    """The invited agent (`acting_agent`, who accepts) joins the territory: basic access
    in the chosen organisations, and the chosen services that are still active."""
    agent = acting_agent
    invitation = _lock_open(invitation)
    territory = invitation.territory
    if agent.email.lower() != invitation.email.lower():
        raise ServiceError("Cette invitation est destinée à une autre adresse e-mail.")
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
    record_change(
        territory,
        "agent.joined",
        agent,
        acting_agent=agent,
        payload=payload,
        organisations=agent_organisation_ids(payload),
    )


@transaction.atomic
def join_with_new_account(
    invitation: Invitation, *, first_name: str, last_name: str, password: str
) -> Agent:
    """A new person accepts: their account is created, then they join (the account is
    the acting agent of its own joining: there is no one else)."""
    _lock_open(invitation)
    if Agent.objects.filter(email__iexact=invitation.email).exists():
        raise ServiceError(ACCOUNT_FOR_INVITATION)
    try:
        with transaction.atomic():
            agent = Agent.objects.create_user(
                invitation.email,
                password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
    except IntegrityError as exc:  # an account given to the same address meanwhile
        raise ServiceError(ACCOUNT_FOR_INVITATION) from exc
    accept_invitation(invitation, acting_agent=agent)
    return agent
