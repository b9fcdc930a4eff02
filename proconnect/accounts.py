"""Which agent a ProConnect identity is, and joining a territory through ProConnect.

ProConnect never creates an account by itself: a person is let in only if an agent
already has their e-mail (or their ProConnect subject, once linked), or if they
hold an invitation addressed to that e-mail.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from agents.models import Agent, Invitation
from agents.services import accept_invitation, join_with_new_account
from territories import permissions
from territories.errors import ServiceError


class Refusal(Exception):
    """The person may not log in this way; `reason` picks the French explanation."""

    def __init__(self, reason: str, **context):
        super().__init__(reason)
        self.reason = reason
        self.context = context


def verified_email(claims: dict) -> str:
    """The e-mail ProConnect vouches for. Its identity providers are administrations'
    directories, so an address is taken as verified unless it is said not to be."""
    email = (claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise Refusal("unverified_email")
    return email


def _check_may_log_in(agent: Agent) -> None:
    if not agent.is_active:
        raise Refusal("inactive")
    if permissions.is_intervenant_only(agent):
        raise Refusal("intervenant")


def _link(agent: Agent, sub: str) -> None:
    """Record the subject, so the next logins find the account by it."""
    if agent.proconnect_sub == sub:
        return
    agent.proconnect_sub = sub
    try:
        with transaction.atomic():
            agent.save(update_fields=["proconnect_sub"])
    except IntegrityError as exc:  # linked to another account meanwhile
        raise Refusal("linked_elsewhere") from exc


def agent_for(claims: dict) -> Agent:
    """The agent these ProConnect claims identify, or a Refusal."""
    sub = claims["sub"]
    agent = Agent.objects.filter(proconnect_sub=sub).first()
    if agent is None:
        email = verified_email(claims)
        agent = Agent.objects.filter(email__iexact=email).first()
        if agent is None:
            raise Refusal("unknown", email=email)
        if agent.proconnect_sub:
            # Another ProConnect identity already holds this account: taking it over
            # on the strength of the e-mail alone is left to the support staff.
            raise Refusal("linked_elsewhere")
    _check_may_log_in(agent)
    _link(agent, sub)
    return agent


def open_invitation(pk: int) -> Invitation:
    """The invitation a ProConnect round trip started from, if it can still be accepted."""
    with scopes_disabled():
        invitation = Invitation.objects.select_related("territory").filter(pk=pk).first()
    if invitation is None or not invitation.is_open or invitation.is_expired:
        raise Refusal("invitation_invalid")
    return invitation


def _name(claims: dict, key: str) -> str:
    return str(claims.get(key) or "").strip()[:150]


@transaction.atomic
def join_by_invitation(invitation: Invitation, claims: dict) -> Agent:
    """Accept an invitation as the person ProConnect identified: their account if
    they have one, else a new one without a password. Call inside the invitation's
    territory scope."""
    email = verified_email(claims)
    if email != invitation.email.lower():
        raise Refusal("invitation_email_mismatch", email=email, invitation=invitation)
    sub = claims["sub"]
    account = Agent.objects.filter(email__iexact=email).first()
    holder = Agent.objects.filter(proconnect_sub=sub).first()
    if holder is not None and holder != account:
        raise Refusal("linked_elsewhere")
    try:
        if account is None:
            account = join_with_new_account(
                invitation,
                first_name=_name(claims, "given_name"),
                last_name=_name(claims, "usual_name") or _name(claims, "family_name"),
                password=None,  # an unusable password: they log in with ProConnect
            )
        else:
            if account.proconnect_sub and account.proconnect_sub != sub:
                raise Refusal("linked_elsewhere")
            if not account.is_active:
                raise Refusal("inactive")
            accept_invitation(invitation, acting_agent=account)
            # The invitation keeps the level the account already has where it is an
            # intervenant: still no login (the refusal rolls the acceptance back).
            _check_may_log_in(account)
    except ServiceError as error:
        raise Refusal("invitation_invalid", message=error.message) from error
    _link(account, sub)
    return account
