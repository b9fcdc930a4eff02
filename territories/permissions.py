"""Who may do or see what in a territory: the one module that answers.

Views, forms, templates (through `may` in the template context) and querysets ask the
questions below; nothing else compares roles. Today there are two kinds of people in a
territory: its admins ("Administrateurs d'Espace"), who configure it and manage every
agent's agenda, and its members (agents with a role in one of its organisations), who
use the daily screens. Per-organisation levels (AgentRole.access_level) will be read
here too; callers will not change.

The caller's membership is resolved once per request by TerritoryMiddleware and kept
on the agent object, so the questions asked while rendering cost no query. After a
change of roles within the same request, `forget(agent)` drops what was resolved.

Questions that narrow a list take the feature's queryset and return it narrowed: the
ground floor knows the field names every scoped model shares (`territory`, `agent`,
`organisation`), not the feature models themselves.
"""

from __future__ import annotations

from functools import wraps
from typing import Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django_scopes import scope, scopes_disabled

from territories.models import AccessLevel, AgentRole, Organisation, Territory, TerritoryAdmin

_ADMIN = "admin"  # Administrateur d'Espace
_MEMBER = "member"  # agent of at least one organisation of the territory
_MEMO = "_territory_roles"  # {territory pk: role or None}, on the agent object

CONFIGURATION_REFUSED = "Cette page est réservée aux administrateurs d'espace."


class Section(Protocol):
    """What a question needs of a territories.sections.Section (which imports this module)."""

    is_configuration: bool


def _resolve(agent, territory: Territory) -> str | None:
    if TerritoryAdmin.objects.filter(agent=agent, territory=territory).exists():
        return _ADMIN
    with scope(territory=territory):
        if AgentRole.objects.filter(agent=agent).exists():
            return _MEMBER
    return None


def _role(agent, territory: Territory | None) -> str | None:
    if territory is None or not agent.is_authenticated or not agent.is_active:
        return None
    memo = getattr(agent, _MEMO, None)
    if memo is None:
        memo = {}
        setattr(agent, _MEMO, memo)
    if territory.pk not in memo:
        memo[territory.pk] = _resolve(agent, territory)
    return memo[territory.pk]


def forget(agent) -> None:
    """Drop the roles resolved for this agent object (after changing them)."""
    if getattr(agent, _MEMO, None):
        setattr(agent, _MEMO, {})


# --- entering a territory and its pages ---


def is_member(agent, territory: Territory | None) -> bool:
    """May enter the territory at all (others get 404: its existence is not revealed)."""
    return _role(agent, territory) is not None


def can_configure_territory(agent, territory: Territory | None) -> bool:
    """May open the configuration dashboard and its sections."""
    return _role(agent, territory) == _ADMIN


def can_open_section(agent, territory: Territory | None, section: Section) -> bool:
    if section.is_configuration:
        return can_configure_territory(agent, territory)
    return is_member(agent, territory)


def territories_of(agent) -> QuerySet[Territory]:
    """The territories the agent may enter, each annotated with `can_configure`."""
    is_admin = Exists(TerritoryAdmin.objects.filter(territory=OuterRef("pk"), agent=agent))
    # A cross-territory query by design, narrowed to the caller's own roles.
    roles = AgentRole.objects.with_scopes_disabled().filter(
        organisation__territory=OuterRef("pk"), agent=agent
    )
    return Territory.objects.annotate(can_configure=is_admin, is_member=Exists(roles)).filter(
        Q(can_configure=True) | Q(is_member=True)
    )


def is_intervenant_only(agent) -> bool:
    """Intervenants appear in agendas but have no login: every role they hold is the
    intervenant level, and they administer no territory."""
    with scopes_disabled():  # every territory of the agent, by design
        levels = set(AgentRole.objects.filter(agent=agent).values_list("access_level", flat=True))
        administers = TerritoryAdmin.objects.filter(agent=agent).exists()
    return levels == {AccessLevel.INTERVENANT} and not administers


# --- agents' daily work ---


def rdv_organisations(agent, territory: Territory) -> QuerySet[Organisation]:
    """The organisations where the agent sees and takes RDVs: those where they have a role."""
    return Organisation.objects.filter(territory=territory, agent_roles__agent=agent)


def visible_rdvs(agent, territory: Territory, rdvs: QuerySet) -> QuerySet:
    return rdvs.filter(
        territory=territory,
        organisation__in=rdv_organisations(agent, territory).values("pk"),
    )


def visible_user_records(agent, territory: Territory, records: QuerySet) -> QuerySet:
    """Every member sees every user record of the territory."""
    if not is_member(agent, territory):
        return records.none()
    return records.filter(territory=territory)


def manages_other_agendas(agent, territory: Territory) -> bool:
    """May see and edit other agents' availability ranges and absences."""
    return can_configure_territory(agent, territory)


def agenda_rows(agent, territory: Territory, rows: QuerySet) -> QuerySet:
    """The availability ranges or absences the agent may see and edit."""
    rows = rows.filter(territory=territory)
    return rows if manages_other_agendas(agent, territory) else rows.filter(agent=agent)


def agenda_agents(agent, territory: Territory) -> QuerySet:
    """The agents whose agenda the agent may fill in."""
    agents = get_user_model().objects.filter(is_active=True)
    if not manages_other_agendas(agent, territory):
        return agents.filter(pk=agent.pk)
    return agents.filter(roles__organisation__territory=territory).distinct()


# --- templates ---


class May:
    """`may` in the template context: `{% if may.configure_territory %}`."""

    def __init__(self, agent, territory: Territory | None) -> None:
        self.agent = agent
        self.territory = territory

    @property
    def configure_territory(self) -> bool:
        return can_configure_territory(self.agent, self.territory)

    @property
    def manage_other_agendas(self) -> bool:
        return self.territory is not None and manages_other_agendas(self.agent, self.territory)


# --- views ---


def require_configuration(request) -> None:
    if not can_configure_territory(request.user, request.territory):
        raise PermissionDenied(CONFIGURATION_REFUSED)


def require_member(request) -> None:
    if not is_member(request.user, request.territory):
        raise Http404("Territoire introuvable.")


def require_section(request, section: Section) -> None:
    require_member(request)
    if not can_open_section(request.user, request.territory, section):
        raise PermissionDenied(CONFIGURATION_REFUSED)


class ConfigurationRequiredMixin:
    """For pages of the configuration outside a section (others: 403)."""

    def dispatch(self, request, *args, **kwargs):
        require_configuration(request)
        return super().dispatch(request, *args, **kwargs)


class MemberRequiredMixin:
    """For pages of any member outside a section (the middleware already 404s outsiders)."""

    def dispatch(self, request, *args, **kwargs):
        require_member(request)
        return super().dispatch(request, *args, **kwargs)


def configuration_required(view):
    """Function-view counterpart of ConfigurationRequiredMixin (one-off POST actions)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_configuration(request)
        return view(request, *args, **kwargs)

    return wrapped
