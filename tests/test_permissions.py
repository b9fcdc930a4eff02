"""territories.permissions: the one module that answers who may do or see what."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from territories import permissions
from territories.models import TerritoryAdmin
from tests.factories import AgentFactory, AgentRoleFactory, OrganisationFactory


def test_admins_configure_members_enter_outsiders_do_neither(
    territory, admin_agent, basic_agent, outsider
):
    assert permissions.can_configure_territory(admin_agent, territory)
    assert permissions.is_member(admin_agent, territory)
    assert not permissions.can_configure_territory(basic_agent, territory)
    assert permissions.is_member(basic_agent, territory)
    assert not permissions.is_member(outsider, territory)
    assert not permissions.can_configure_territory(outsider, territory)


def test_an_inactive_agent_is_nobody(territory, admin_agent):
    admin_agent.is_active = False
    assert not permissions.is_member(admin_agent, territory)


def test_roles_are_resolved_once_per_agent_object_until_forgotten(territory, admin_agent):
    with CaptureQueriesContext(connection) as first:
        assert permissions.can_configure_territory(admin_agent, territory)
    with CaptureQueriesContext(connection) as again:
        assert permissions.is_member(admin_agent, territory)
    assert len(first.captured_queries) == 1 and len(again.captured_queries) == 0
    TerritoryAdmin.objects.filter(agent=admin_agent).delete()
    assert permissions.can_configure_territory(admin_agent, territory)  # still this request's
    permissions.forget(admin_agent)
    assert not permissions.can_configure_territory(admin_agent, territory)
    assert permissions.is_member(admin_agent, territory)  # still agent of an organisation


def test_who_fills_in_whose_agenda(territory, organisation, admin_agent, basic_agent):
    elsewhere = AgentRoleFactory(organisation=OrganisationFactory()).agent
    with scope(territory=territory):
        assert set(permissions.agenda_agents(admin_agent, territory)) == {admin_agent, basic_agent}
        assert list(permissions.agenda_agents(basic_agent, territory)) == [basic_agent]
    assert elsewhere not in permissions.agenda_agents(admin_agent, territory)
    assert permissions.manages_other_agendas(admin_agent, territory)
    assert not permissions.manages_other_agendas(basic_agent, territory)


def test_the_territory_list_marks_what_the_agent_may_configure(
    territory, other_territory, basic_agent
):
    AgentRoleFactory(agent=basic_agent, organisation=OrganisationFactory(territory=other_territory))
    newcomer = AgentFactory()
    rows = {t.name: t.can_configure for t in permissions.territories_of(basic_agent)}
    assert rows == {"Drôme": False, "Ardèche": False}
    assert not permissions.territories_of(newcomer).exists()
