"""Who may take which motif where: the one definition, asked both ways.

An agent may take a motif in an organisation when the agent is active and has a role
there, the motif is not archived and is shared with that organisation, and the agent
is assigned to the motif's service in the territory, that service being active there
("vos motifs seront accessibles par les agents des services associés").

The availability forms and the RDV form ask "which motifs may this agent take here";
the slot search asks "which agents may take this motif here". Both filter with the
same `eligibility` condition, each side given either as a value or as the row being
filtered (`OuterRef("pk")`), so the two answers cannot drift apart.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet

from motifs.models import Motif
from territories.models import Organisation


def eligibility(organisation, *, agent, motif, territory_id=None) -> Exists:
    """True for the (agent, motif) pairs that may meet in `organisation`. `agent` and
    `motif` are each an instance, a pk or `OuterRef("pk")`; so is `organisation`, given
    with `territory_id` unless it is an instance.

    One subquery over the motif, joined through relation names only (roles and service
    assignments are reached from the organisation and the service), so this module
    needs no import of the apps that define them."""
    if isinstance(organisation, Organisation):
        territory_id = organisation.territory_id
    if isinstance(motif, models.Model):
        motif = motif.pk
    return Exists(
        # One filter() call: each multi-valued relation is joined once, so the role
        # found is in this organisation and the assignment is in this territory.
        Motif._base_manager.filter(
            pk=motif,
            territory_id=territory_id,
            archived_at__isnull=True,
            organisations=organisation,
            organisations__agent_roles__agent=agent,
            service__territory_services__territory_id=territory_id,
            service__territory_services__is_active=True,
            service__agent_assignments__territory_id=territory_id,
            service__agent_assignments__agent=agent,
            service__agent_assignments__agent__is_active=True,
        )
    )


def motifs_for(agent, organisation: Organisation) -> QuerySet[Motif]:
    """The motifs `agent` may take in `organisation` (availability ranges, RDVs)."""
    return Motif.objects.filter(eligibility(organisation, agent=agent, motif=OuterRef("pk")))


def agents_for(motif: Motif, organisation: Organisation) -> QuerySet:
    """The agents who may take `motif` in `organisation` (the slot search)."""
    return get_user_model().objects.filter(
        eligibility(organisation, agent=OuterRef("pk"), motif=motif)
    )


def motifs_for_any(
    agents: QuerySet, organisations: QuerySet[Organisation], territory
) -> QuerySet[Motif]:
    """The motifs one of `agents` may take in one of `organisations`: what a form offers
    before its agent and organisation are chosen (one query, nested EXISTS)."""
    pairs = organisations.filter(
        eligibility(
            OuterRef("pk"),
            agent=OuterRef(OuterRef("pk")),
            motif=OuterRef(OuterRef(OuterRef("pk"))),
            territory_id=territory.pk,
        )
    )
    return Motif.objects.filter(territory=territory, archived_at__isnull=True).filter(
        Exists(agents.filter(Exists(pairs)))
    )
