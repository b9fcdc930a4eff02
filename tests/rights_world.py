"""The people of the access-rights tests, one per kind of caller, around the work of an
intervenant of Valence (an RDV in their agenda, a range, an absence, a usager).

- territory admin: administers the Drôme, no role in any organisation;
- organisation admin: administrateur of Valence, Service social;
- same service: basique in Valence, Service social (the intervenant's service);
- other service: basique in Valence, PMI;
- other organisation: basique in Romans, Service social;
- intervenant: intervenant in Valence, Service social (a password left from an earlier
  level, to prove that it no longer opens anything);
- outsider: administers the Ardèche.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from agents.models import Agent
from territories.models import AccessLevel, Organisation, Service, Territory
from tests.factories import (
    PASSWORD,
    AbsenceFactory,
    AgentFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    ApiTokenFactory,
    AvailabilityRangeFactory,
    OrganisationFactory,
    ServiceFactory,
    TerritoryAdminFactory,
    TerritoryServiceFactory,
    UserRecordFactory,
    rdv_with_agents,
)

PEOPLE = (
    "territory_admin",
    "organisation_admin",
    "same_service",
    "other_service",
    "other_organisation",
    "intervenant",
    "outsider",
)


@dataclass
class World:
    territory: Territory
    valence: Organisation
    romans: Organisation
    social: Service
    pmi: Service
    people: dict[str, Agent]
    other_territory: Territory  # the outsider's

    def __getattr__(self, name: str) -> Agent:
        try:
            return self.__dict__["people"][name]
        except KeyError:
            raise AttributeError(name) from None

    def rdv(self, *agents, organisation=None, **fields):
        """An RDV of Valence (by default) held by `agents` (the intervenant by default),
        with a usager known there."""
        organisation = organisation or self.valence
        fields.setdefault("user_records", [self.record(organisation)])
        return rdv_with_agents(
            *(agents or [self.intervenant]),
            territory=self.territory,
            organisation=organisation,
            **fields,
        )

    def record(self, *organisations, **fields):
        return UserRecordFactory(
            territory=self.territory, organisations=list(organisations or [self.valence]), **fields
        )

    def range(self, agent=None, organisation=None):
        return AvailabilityRangeFactory(
            territory=self.territory,
            organisation=organisation or self.valence,
            agent=agent or self.intervenant,
        )

    def absence(self, agent=None):
        return AbsenceFactory(territory=self.territory, agent=agent or self.intervenant)

    def api_token(self, person: str) -> str:
        """A personal API token of `person` (the raw value), in their territory: the
        Drôme, the Ardèche for the outsider. The intervenant's dates from an earlier
        level (they cannot make one now)."""
        territory = self.other_territory if person == "outsider" else self.territory
        return ApiTokenFactory(territory=territory, agent=self.people[person]).raw


def _agent(territory, name, organisation, level, service):
    agent = AgentFactory(email=f"{name.replace('_', '-')}@exemple.fr", first_name=name)
    AgentRoleFactory(agent=agent, organisation=organisation, access_level=level)
    AgentServiceFactory(agent=agent, territory=territory, service=service)
    return agent


@pytest.fixture
def world(territory, organisation, service, other_territory) -> World:
    valence = organisation
    romans = OrganisationFactory(territory=territory, name="CCAS de Romans")
    pmi = ServiceFactory(name="Protection maternelle et infantile")
    TerritoryServiceFactory(territory=territory, service=pmi)
    territory_admin = AgentFactory(email="territory-admin@exemple.fr", first_name="territory_admin")
    TerritoryAdminFactory(agent=territory_admin, territory=territory)
    outsider = AgentFactory(email="outsider@exemple.fr", first_name="outsider")
    TerritoryAdminFactory(agent=outsider, territory=other_territory)
    AgentRoleFactory(agent=outsider, organisation=OrganisationFactory(territory=other_territory))
    people = {
        "territory_admin": territory_admin,
        "organisation_admin": _agent(
            territory, "organisation_admin", valence, AccessLevel.ADMIN, service
        ),
        "same_service": _agent(territory, "same_service", valence, AccessLevel.BASIC, service),
        "other_service": _agent(territory, "other_service", valence, AccessLevel.BASIC, pmi),
        "other_organisation": _agent(
            territory, "other_organisation", romans, AccessLevel.BASIC, service
        ),
        "intervenant": _agent(territory, "intervenant", valence, AccessLevel.INTERVENANT, service),
        "outsider": outsider,
    }
    assert set(people) == set(PEOPLE)
    return World(territory, valence, romans, service, pmi, people, other_territory)


def can_log_in(client, agent) -> bool:
    return client.login(username=agent.email, password=PASSWORD)
