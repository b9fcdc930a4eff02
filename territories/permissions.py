"""Who may do or see what in a territory: the one module that answers.

Views, forms, templates (through `may` in the template context) and querysets ask the
questions below; nothing else compares roles or access levels. The rules, as the help
page and the reference platform give them:

- Territory admins ("Administrateurs d'Espace") configure the territory and see every
  organisation: every agenda, RDV, availability range, absence and user record.
- In an organisation, an agent holds one access level (AgentRole.access_level):
  - administrateur: everything in that organisation — every agenda and RDV, the other
    agents' availability ranges and absences, the organisation's details page;
  - basique: their own agenda, RDVs, ranges and absences, the agendas (RDVs) of the
    agents of that organisation who share one of their services;
  - intervenant: an agenda the others book into, and no login at all.
- User records are seen where they are known: an agent sees the records followed by
  (created in, or with an RDV in) one of their organisations.

Objects the caller may not see are answered 404 (their existence is not revealed:
querysets are narrowed here, and the views look objects up in them); configuration
pages a member may not open are answered 403.

The caller's roles in a territory are resolved once per request by TerritoryMiddleware
and kept on the agent object, so the questions asked while rendering cost no query
(querysets are narrowed by subqueries, never by lists of row ids). After a change of
roles within the same request, `forget(agent)` drops what was resolved.

Questions that narrow a list take the feature's queryset and return it narrowed: the
ground floor knows the field names scoped models share (`territory`, `agent`,
`organisation`, and the many-to-many `agents` of an RDV and `organisations` of a user
record), not the feature models themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django_scopes import scope, scopes_disabled

from territories.models import (
    AccessLevel,
    AgentRole,
    AgentService,
    Organisation,
    Territory,
    TerritoryAdmin,
)

_MEMO = "_territory_roles"  # {territory pk: _Roles or None}, on the agent object
# The levels of the people who log in and work in an organisation.
WORKING_LEVELS = (AccessLevel.BASIC, AccessLevel.ADMIN)

CONFIGURATION_REFUSED = "Cette page est réservée aux administrateurs d'espace."

# What each level may do, in the words shown where the territory admin sets levels.
LEVEL_DESCRIPTIONS = {
    AccessLevel.BASIC: (
        "voit et gère son agenda, ses RDV, ses plages d'ouverture et ses absences ; "
        "voit les agendas des agents de l'organisation qui partagent un de ses services "
        "et peut y poser des RDV ; voit les fiches des usagers suivis par l'organisation."
    ),
    AccessLevel.ADMIN: (
        "a accès à tout ce qui concerne l'organisation : les agendas et RDV de tous ses "
        "agents, leurs plages d'ouverture et leurs absences, les fiches des usagers "
        "qu'elle suit, la page de l'organisation (coordonnées, horaires)."
    ),
    AccessLevel.INTERVENANT: (
        "a un agenda dans lequel les autres agents posent des RDV, mais ne peut pas se "
        "connecter : ni mot de passe, ni invitation ; une adresse e-mail est facultative."
    ),
}
TERRITORY_ADMIN_DESCRIPTION = (
    "configure l'espace (agents, motifs, services, organisations, webhooks, fiches) et "
    "voit toutes ses organisations, quel que soit son niveau dans chacune."
)


class Section(Protocol):
    """What a question needs of a territories.sections.Section (which imports this module)."""

    is_configuration: bool
    admins_only: bool


@dataclass(frozen=True)
class _Roles:
    """An agent's roles in one territory."""

    territory_admin: bool
    levels: dict[int, str] = field(default_factory=dict)  # organisation pk -> access level

    def organisations(self, *levels: str) -> list[int]:
        return sorted(pk for pk, level in self.levels.items() if level in levels)

    @property
    def works_here(self) -> bool:
        """An intervenant role alone lets no one in."""
        return self.territory_admin or bool(self.organisations(*WORKING_LEVELS))


def _resolve(agent, territory: Territory) -> _Roles | None:
    if TerritoryAdmin.objects.filter(agent=agent, territory=territory).exists():
        return _Roles(territory_admin=True)  # sees everything: the levels change nothing
    with scope(territory=territory):
        levels = dict(
            AgentRole.objects.filter(agent=agent).values_list("organisation_id", "access_level")
        )
    roles = _Roles(territory_admin=False, levels=levels)
    return roles if roles.works_here else None


def _roles(agent, territory: Territory | None) -> _Roles | None:
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


def _linked(rows: QuerySet, relation: str, targets) -> Exists:
    """Rows linked by their many-to-many `relation` to one of `targets` (primary keys:
    a short list, or a values() subquery): a semi-join on the link table, read through
    its indexes whatever the number of rows."""
    m2m = rows.model._meta.get_field(relation)
    links = m2m.remote_field.through._base_manager.filter(
        **{m2m.m2m_field_name(): OuterRef("pk"), f"{m2m.m2m_reverse_field_name()}__in": targets}
    )
    return Exists(links)


def _narrowing(agent, territory: Territory, rows: QuerySet) -> tuple[_Roles | None, QuerySet]:
    """The rows of the territory, with the roles that narrow them further; no roles when
    nothing is left to narrow (an outsider sees none, a territory admin every one)."""
    roles = _roles(agent, territory)
    if roles is None:
        return None, rows.none()
    rows = rows.filter(territory=territory)
    return (None if roles.territory_admin else roles), rows


def _agents():
    return get_user_model().objects.filter(is_active=True)


def _members_of(organisation_ids) -> QuerySet:
    """Agents with a role (any level) in one of these organisations, as a subquery."""
    return get_user_model().objects.filter(roles__organisation__in=organisation_ids).values("pk")


def _service_colleagues(agent, territory: Territory) -> QuerySet:
    """Agents sharing one of `agent`'s services in the territory (the agent too, if they
    have a service)."""
    with scope(territory=territory):
        services = AgentService.objects.filter(agent=agent, territory=territory).values("service")
        return AgentService.objects.filter(territory=territory, service__in=services).values(
            "agent"
        )


# --- entering a territory and its pages ---


def is_member(agent, territory: Territory | None) -> bool:
    """May enter the territory at all (others get 404: its existence is not revealed).
    Intervenants may not: they never log in."""
    return _roles(agent, territory) is not None


def can_configure_territory(agent, territory: Territory | None) -> bool:
    """May open the configuration dashboard and its sections."""
    roles = _roles(agent, territory)
    return roles is not None and roles.territory_admin


def administers_organisation(agent, territory: Territory | None, organisation_pk) -> bool:
    """Territory admins, and the organisation's own admins."""
    roles = _roles(agent, territory)
    if roles is None:
        return False
    return roles.territory_admin or roles.levels.get(int(organisation_pk)) == AccessLevel.ADMIN


def can_open_section(
    agent, territory: Territory | None, section: Section, organisation_pk=None
) -> bool:
    """Configuration sections are the territory admins'; a configuration page about one
    organisation (`organisation_pk`: its details) is open to that organisation's admins
    too. Agents' daily screens are every member's, but those for administrators only
    (statistics): territory admins' and organisations' admins'."""
    if not section.is_configuration:
        if section.admins_only:
            return may_see_statistics(agent, territory)
        return is_member(agent, territory)
    if organisation_pk is not None:
        return administers_organisation(agent, territory, organisation_pk)
    return can_configure_territory(agent, territory)


def territories_of(agent) -> QuerySet[Territory]:
    """The territories the agent may enter, each annotated with `can_configure`."""
    is_admin = Exists(TerritoryAdmin.objects.filter(territory=OuterRef("pk"), agent=agent))
    # A cross-territory query by design, narrowed to the caller's own roles.
    roles = AgentRole.objects.with_scopes_disabled().filter(
        organisation__territory=OuterRef("pk"), agent=agent, access_level__in=WORKING_LEVELS
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
    """The organisations where the agent works: sees and takes RDVs, and makes user
    records known. Every organisation for a territory admin."""
    roles = _roles(agent, territory)
    organisations = Organisation.objects.filter(territory=territory)
    if roles is None:
        return organisations.none()
    if roles.territory_admin:
        return organisations
    return organisations.filter(pk__in=roles.organisations(*WORKING_LEVELS))


def visible_rdvs(agent, territory: Territory, rdvs: QuerySet) -> QuerySet:
    """Every RDV of the organisations the agent administers; in those where they are
    basic, the RDVs held by themselves or an agent sharing one of their services."""
    roles, rdvs = _narrowing(agent, territory, rdvs)
    if roles is None:
        return rdvs
    administered = roles.organisations(AccessLevel.ADMIN)
    basic = roles.organisations(AccessLevel.BASIC)
    held = _linked(rdvs, "agents", [agent.pk]) | _linked(
        rdvs, "agents", _service_colleagues(agent, territory)
    )
    return rdvs.filter(Q(organisation__in=administered) | Q(held, organisation__in=basic))


def rdv_agenda_agents(agent, territory: Territory) -> QuerySet:
    """The agents whose agendas (RDVs) the agent sees, the rows of the "all RDVs" agenda:
    every agent of the territory for its admins; all the agents of the organisations
    they administer; in those where they are basic, themselves and their service
    colleagues (the agents whose RDVs `visible_rdvs` shows there)."""
    roles = _roles(agent, territory)
    agents = _agents()
    if roles is None:
        return agents.none()
    if roles.territory_admin:
        return agents.filter(pk__in=_members_of(rdv_organisations(agent, territory)))
    seen = Q(pk__in=_members_of(roles.organisations(AccessLevel.ADMIN)))
    basic = roles.organisations(AccessLevel.BASIC)
    if basic:
        held = Q(pk=agent.pk) | Q(pk__in=_service_colleagues(agent, territory))
        seen |= held & Q(pk__in=_members_of(basic))
    return agents.filter(seen)


def bookable_agents(agent, organisation: Organisation) -> QuerySet:
    """The agents of `organisation` in whose agenda the agent may put an RDV: all of
    them for its admins, the agent and their service colleagues for a basic agent."""
    territory = organisation.territory
    roles = _roles(agent, territory)
    members = _agents().filter(pk__in=_members_of([organisation.pk]))
    if roles is None:
        return members.none()
    if administers_organisation(agent, territory, organisation.pk):
        return members
    if roles.levels.get(organisation.pk) != AccessLevel.BASIC:
        return members.none()
    return members.filter(Q(pk=agent.pk) | Q(pk__in=_service_colleagues(agent, territory)))


def visible_user_records(agent, territory: Territory, records: QuerySet) -> QuerySet:
    """Territory admins see every user record; agents those known in (followed by) one
    of the organisations where they work."""
    roles, records = _narrowing(agent, territory, records)
    if roles is None:
        return records
    return records.filter(_linked(records, "organisations", roles.organisations(*WORKING_LEVELS)))


def _followed_links(roles: _Roles, territory: Territory, records: QuerySet) -> QuerySet:
    """The link rows of the records followed by the organisations where the agent works,
    as `values(<record id>)`."""
    m2m = records.model._meta.get_field("organisations")
    organisation = m2m.m2m_reverse_field_name()
    return m2m.remote_field.through._base_manager.filter(
        **{
            f"{organisation}__in": roles.organisations(*WORKING_LEVELS),
            # The organisations are the territory's, and so are the records they follow.
            f"{organisation}__territory": territory,
        }
    ).values(m2m.m2m_field_name())


def user_record_reach(agent, territory: Territory, records: QuerySet, limit: int) -> int | None:
    """How many user records an agent narrowed to their organisations sees, counted up to
    `limit` + 1 from the link table alone (an index read of at most that many rows):
    the records followed by the organisations where they work. None for territory
    admins, who see every record; 0 for an outsider.

    The records lists use it to choose how to read them (user_records.queries.agent_records),
    and as its count."""
    roles = _roles(agent, territory)
    if roles is None:
        return 0
    if roles.territory_admin:
        return None
    links = _followed_links(roles, territory, records)
    if len(roles.organisations(*WORKING_LEVELS)) > 1:
        # A record followed by two of them is one record (one organisation: one link
        # per record, and counting stops after `limit` + 1 of them).
        links = links.distinct()
    return links[: limit + 1].count()


class _AmongIds(Func):
    """`expression = ANY(ARRAY(subquery))`: the subquery's ids are read once, before the
    rows, and the rows are then fetched by those ids."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        value, subquery = self.get_source_expressions()
        value_sql, value_params = compiler.compile(value)
        subquery_sql, subquery_params = compiler.compile(subquery)  # "(SELECT …)"
        return f"{value_sql} = ANY(ARRAY{subquery_sql})", (*value_params, *subquery_params)


def few_visible_user_records(agent, territory: Territory, records: QuerySet) -> QuerySet:
    """The records `visible_user_records` gives, for an agent whose organisations follow
    few of them (`user_record_reach`): their ids are read from the links first, then the
    records by those ids, searched or not. As an EXISTS, PostgreSQL would rather walk the
    territory's records (every one of them for a new organisation, which follows none)
    or check every match of a common name against the links."""
    roles, records = _narrowing(agent, territory, records)
    if roles is None:
        return records
    return records.filter(_AmongIds(F("pk"), Subquery(_followed_links(roles, territory, records))))


def _followed_by(record) -> set[int]:
    return set(record.organisations.values_list("pk", flat=True))


def may_merge_user_records(agent, territory: Territory, records) -> bool:
    """Merging moves RDVs, values and history from one record to another: the agent must
    work in every organisation that follows either record (territory admins: always)."""
    roles = _roles(agent, territory)
    if roles is None:
        return False
    if roles.territory_admin:
        return True
    mine = set(roles.organisations(*WORKING_LEVELS))
    return all(_followed_by(record) <= mine for record in records)


def may_delete_user_record(agent, territory: Territory, record) -> bool:
    """Erasing a person (on their request) is for territory admins and for the admins of
    every organisation that follows the record."""
    roles = _roles(agent, territory)
    if roles is None:
        return False
    if roles.territory_admin:
        return True
    followed = _followed_by(record)
    return bool(followed) and followed <= set(roles.organisations(AccessLevel.ADMIN))


def manages_other_agendas(agent, territory: Territory) -> bool:
    """May see and edit other agents' availability ranges and absences."""
    roles = _roles(agent, territory)
    return roles is not None and (
        roles.territory_admin or bool(roles.organisations(AccessLevel.ADMIN))
    )


def agenda_rows(agent, territory: Territory, rows: QuerySet) -> QuerySet:
    """The availability ranges or absences the agent may see and edit: their own, and
    for an organisation admin those of the organisation (a range of the organisation,
    an absence of one of its agents)."""
    roles, rows = _narrowing(agent, territory, rows)
    if roles is None:
        return rows
    administered = roles.organisations(AccessLevel.ADMIN)
    own = Q(agent=agent)
    if not administered:
        return rows.filter(own)
    if any(f.name == "organisation" for f in rows.model._meta.fields):
        return rows.filter(own | Q(organisation__in=administered))
    return rows.filter(own | Q(agent__in=_members_of(administered)))


def agenda_agents(agent, territory: Territory) -> QuerySet:
    """The agents whose availability ranges and absences the agent may fill in."""
    roles = _roles(agent, territory)
    agents = _agents()
    if roles is None:
        return agents.none()
    if roles.territory_admin:
        return agents.filter(roles__organisation__territory=territory).distinct()
    administered = roles.organisations(AccessLevel.ADMIN)
    return agents.filter(Q(pk=agent.pk) | Q(pk__in=_members_of(administered)))


def agenda_organisations(agent, territory: Territory) -> QuerySet[Organisation]:
    """The organisations an availability range may be put in by the agent (for whom,
    `may_fill_agenda` says)."""
    return rdv_organisations(agent, territory)


def may_fill_agenda(agent, territory: Territory, owner, organisation=None) -> bool:
    """May put an availability range of `owner` in `organisation`, or (no organisation)
    an absence of `owner`."""
    roles = _roles(agent, territory)
    if roles is None or owner is None:
        return False
    if roles.territory_admin:
        return True
    administered = roles.organisations(AccessLevel.ADMIN)
    if organisation is not None:
        if organisation.pk in administered:
            return True
        return owner.pk == agent.pk and roles.levels.get(organisation.pk) in WORKING_LEVELS
    return owner.pk == agent.pk or agenda_agents(agent, territory).filter(pk=owner.pk).exists()


# --- statistics ---


def may_see_statistics(agent, territory: Territory | None) -> bool:
    """Territory admins (every organisation) and organisations' admins (theirs)."""
    roles = _roles(agent, territory)
    return roles is not None and (
        roles.territory_admin or bool(roles.organisations(AccessLevel.ADMIN))
    )


def statistics_organisations(agent, territory: Territory) -> QuerySet[Organisation]:
    """The organisations whose statistics the agent reads: every one for a territory
    admin, those they administer for an organisation's admin, none for anyone else."""
    roles = _roles(agent, territory)
    organisations = Organisation.objects.filter(territory=territory)
    if roles is None:
        return organisations.none()
    if roles.territory_admin:
        return organisations
    return organisations.filter(pk__in=roles.organisations(AccessLevel.ADMIN))


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


def require_section(request, section: Section, organisation_pk=None) -> None:
    require_member(request)
    if not can_open_section(request.user, request.territory, section, organisation_pk):
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
