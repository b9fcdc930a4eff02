"""The agent list and managing an agent after they joined: services, organisations,
access levels, territory admin role, removal, and the refusals."""

import uuid
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from agents.models import Agent, Invitation
from territories.models import AgentRole, AgentService, AuditEntry, TerritoryAdmin
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    InvitationFactory,
    OrganisationFactory,
    RdvAgentFactory,
    RdvFactory,
    ServiceFactory,
    TerritoryAdminFactory,
    TerritoryServiceFactory,
)
from tests.queries import assert_flat_query_count
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def list_url(territory):
    return reverse("agents:section", kwargs={"territory_pk": territory.pk})


def detail_url(territory, agent):
    return reverse(
        "agents:agent_detail", kwargs={"territory_pk": territory.pk, "agent_pk": agent.pk}
    )


def remove_url(territory, agent):
    return reverse("agents:remove", kwargs={"territory_pk": territory.pk, "agent_pk": agent.pk})


def page(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return unescape(response.content.decode())


def form_data(organisations, services, levels, territory_admin=False):
    data = {"services": [s.pk for s in services]}
    for organisation in organisations:
        data[f"organisation_{organisation.pk}"] = levels.get(organisation, "")
    if territory_admin:
        data["is_territory_admin"] = "on"
    return data


@pytest.fixture
def second_organisation(territory):
    return OrganisationFactory(territory=territory, name="Mairie de Romans")


@pytest.fixture
def pmi(territory):
    service = ServiceFactory(name="PMI")
    TerritoryServiceFactory(territory=territory, service=service)
    return service


# --- the list ---


def test_the_list_shows_agents_and_invitations_with_status_sent_date_and_expiry(
    admin_client, territory, organisation, service, basic_agent
):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    dora = InvitationFactory(
        territory=territory, email="dora@exemple.fr", organisations=[organisation]
    )
    expired = InvitationFactory(territory=territory, email="eve@exemple.fr")
    expired.expires_at = timezone.now() - timedelta(minutes=1)
    expired.save()
    html = page(admin_client, list_url(territory))
    assert "<h1>Agents</h1>" in html
    assert "Bob Agent" in html and "Alice Admin" in html
    assert "Maison des solidarités de Valence (Basique)" in html
    assert "dora@exemple.fr" in html and "En attente" in html
    assert "eve@exemple.fr" in html and "Expirée" in html
    assert timezone.localtime(dora.sent_at).strftime("%d/%m/%Y %H:%M") in html
    assert timezone.localtime(dora.expires_at).strftime("%d/%m/%Y %H:%M") in html


def test_search_ignores_accents_and_case(admin_client, territory, organisation, admin_agent):
    helene = AgentFactory(first_name="Hélène", last_name="Dupré", email="hd@exemple.fr")
    AgentRoleFactory(agent=helene, organisation=organisation)
    InvitationFactory(territory=territory, email="helene.autre@exemple.fr")
    html = page(admin_client, list_url(territory), {"q": "HELENE dupre"})
    assert "Hélène Dupré" in html
    assert detail_url(territory, admin_agent) not in html
    assert "helene.autre@exemple.fr" not in html
    html = page(admin_client, list_url(territory), {"q": "hélène"})
    assert "helene.autre@exemple.fr" in html


def test_filters_by_service_organisation_and_status(
    admin_client, territory, organisation, second_organisation, service, pmi, basic_agent
):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=pmi)
    carla = AgentFactory(first_name="Carla", last_name="Romans")
    AgentRoleFactory(agent=carla, organisation=second_organisation)
    InvitationFactory(territory=territory, email="dora@exemple.fr", services=[service])

    html = page(admin_client, list_url(territory), {"service": pmi.pk})
    assert "Bob Agent" in html and "Carla Romans" not in html and "dora@" not in html
    html = page(admin_client, list_url(territory), {"organisation": second_organisation.pk})
    assert "Carla Romans" in html and "Bob Agent" not in html
    html = page(admin_client, list_url(territory), {"status": "pending"})
    assert "dora@exemple.fr" in html and "Bob Agent" not in html
    html = page(admin_client, list_url(territory), {"status": "active"})
    assert "Bob Agent" in html and "dora@exemple.fr" not in html


def test_the_list_is_paginated(admin_client, territory, organisation, service):
    add_agents(30, organisation, service)
    first = page(admin_client, list_url(territory))
    assert "Alice Admin" in first and ">N9<" not in first
    assert "Page suivante" in first
    second = page(admin_client, list_url(territory), {"page": 2})
    assert ">N9<" in second and "Alice Admin</a>" not in second


def test_a_service_deactivated_by_the_territory_is_labelled(
    admin_client, territory, service, basic_agent
):
    retired = ServiceFactory(name="Service retiré")
    TerritoryServiceFactory(territory=territory, service=retired, is_active=False)
    AgentServiceFactory(agent=basic_agent, territory=territory, service=retired)
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    assert page(admin_client, list_url(territory)).count("service désactivé") == 1
    html = page(admin_client, detail_url(territory, basic_agent))
    assert "Service retiré" in html and "service désactivé" in html


def add_agents(count, organisation, service):
    """Many agents quickly (no password hashing), each with a role and a service."""
    agents = Agent.objects.bulk_create(
        Agent(email=f"nombreux{n}-{uuid.uuid4().hex[:8]}@exemple.fr", last_name=f"N{n}")
        for n in range(count)
    )
    AgentRole.objects.bulk_create(AgentRole(agent=a, organisation=organisation) for a in agents)
    AgentService.objects.bulk_create(
        AgentService(agent=a, territory=organisation.territory, service=service) for a in agents
    )


def add_invitations(count, organisation, service):
    invitations = Invitation.objects.bulk_create(
        Invitation(
            territory=organisation.territory,
            email=f"invite-{uuid.uuid4().hex}@exemple.fr",
            sent_at=timezone.now(),
            expires_at=timezone.now() + timedelta(hours=48),
        )
        for _ in range(count)
    )
    Invitation.services.through.objects.bulk_create(
        Invitation.services.through(invitation=i, service=service) for i in invitations
    )
    Invitation.organisations.through.objects.bulk_create(
        Invitation.organisations.through(invitation=i, organisation=organisation)
        for i in invitations
    )


def test_the_list_query_count_stays_flat_from_5_to_500_agents(
    admin_client, territory, organisation, service
):
    add_agents(5, organisation, service)
    assert_flat_query_count(
        lambda: admin_client.get(list_url(territory)),
        lambda: add_agents(495, organisation, service),
    )


def test_the_invitation_list_query_count_stays_flat_from_5_to_500(
    admin_client, territory, organisation, service
):
    add_invitations(5, organisation, service)
    assert_flat_query_count(
        lambda: admin_client.get(list_url(territory), {"status": "pending"}),
        lambda: add_invitations(495, organisation, service),
    )


@pytest.mark.parametrize("name", ["agents:section", "agents:invite"])
def test_basic_agents_get_403_and_anonymous_the_login_page(client, basic_agent, territory, name):
    url = reverse(name, kwargs={"territory_pk": territory.pk})
    assert client.get(url).status_code == 302
    client.force_login(basic_agent)
    assert client.get(url).status_code == 403


def test_basic_agents_cannot_edit_agents(client, basic_agent, admin_agent, territory):
    client.force_login(basic_agent)
    assert client.get(detail_url(territory, admin_agent)).status_code == 403
    assert client.post(remove_url(territory, admin_agent)).status_code == 403


def test_an_agent_of_another_territory_is_not_found_here(admin_client, territory, outsider):
    assert admin_client.get(detail_url(territory, outsider)).status_code == 404


def test_the_member_space_is_closed_to_outsiders(client, territory, basic_agent, outsider):
    url = reverse("agents:home", kwargs={"territory_pk": territory.pk})
    client.force_login(basic_agent)
    assert "Maison des solidarités de Valence" in page(client, url)
    client.force_login(outsider)
    assert client.get(url).status_code == 404


# --- changing an agent ---


def test_admin_changes_services_organisations_levels_and_territory_admin_role(
    admin_client, territory, organisation, second_organisation, service, pmi, basic_agent
):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    response = admin_client.post(
        detail_url(territory, basic_agent),
        form_data(
            [organisation, second_organisation],
            [pmi],
            {organisation: "intervenant", second_organisation: "admin"},
            territory_admin=True,
        ),
    )
    assert response.status_code == 302
    assert set(
        AgentService.objects.filter(agent=basic_agent).values_list("service__name", flat=True)
    ) == {"PMI"}
    levels = dict(
        AgentRole.objects.filter(agent=basic_agent).values_list("organisation", "access_level")
    )
    assert levels == {organisation.pk: "intervenant", second_organisation.pk: "admin"}
    assert TerritoryAdmin.objects.filter(agent=basic_agent, territory=territory).exists()

    event = Event.objects.get(type="agent.updated")
    assert event.payload["is_territory_admin"] is True
    assert event.organisation_ids == sorted([organisation.pk, second_organisation.pk])
    entry = AuditEntry.objects.get(action="agent.updated")
    assert entry.before["services"] == [{"id": service.pk, "name": "Service social"}]
    assert entry.after["services"] == [{"id": pmi.pk, "name": "PMI"}]


def test_the_form_offers_active_services_only_and_keeps_deactivated_assignments(
    admin_client, territory, organisation, service, basic_agent
):
    retired = ServiceFactory(name="Service retiré")
    TerritoryServiceFactory(territory=territory, service=retired, is_active=False)
    AgentServiceFactory(agent=basic_agent, territory=territory, service=retired)
    refused = admin_client.post(
        detail_url(territory, basic_agent),
        form_data([organisation], [retired], {organisation: "basic"}),
    )
    assert "Sélectionnez un choix valide" in unescape(refused.content.decode())
    admin_client.post(
        detail_url(territory, basic_agent),
        form_data([organisation], [service], {organisation: "basic"}),
    )
    assert set(
        AgentService.objects.filter(agent=basic_agent).values_list("service__name", flat=True)
    ) == {"Service social", "Service retiré"}


def test_at_least_one_service_and_one_organisation(
    admin_client, territory, organisation, service, basic_agent
):
    response = admin_client.post(
        detail_url(territory, basic_agent), form_data([organisation], [], {})
    )
    html = unescape(response.content.decode())
    assert "Choisissez au moins un service." in html
    assert "L'agent doit rester membre d'au moins une organisation" in html
    assert AgentRole.objects.filter(agent=basic_agent).exists()


def test_removing_the_last_territory_admin_is_refused(
    admin_client, territory, organisation, service, admin_agent
):
    response = admin_client.post(
        detail_url(territory, admin_agent),
        form_data([organisation], [service], {organisation: "admin"}, territory_admin=False),
    )
    assert response.status_code == 200
    assert "Impossible de retirer le dernier administrateur de l'espace" in unescape(
        response.content.decode()
    )
    assert TerritoryAdmin.objects.filter(agent=admin_agent, territory=territory).exists()
    assert not Event.objects.exists()

    response = admin_client.post(remove_url(territory, admin_agent), follow=True)
    assert "Impossible de retirer le dernier administrateur" in unescape(response.content.decode())
    assert TerritoryAdmin.objects.filter(agent=admin_agent).exists()


def test_an_admin_who_gives_up_the_territory_admin_role_lands_on_their_agent_space(
    admin_client, territory, organisation, service, admin_agent
):
    TerritoryAdminFactory(agent=AgentFactory(), territory=territory)  # not the last one
    response = admin_client.post(
        detail_url(territory, admin_agent),
        form_data([organisation], [service], {organisation: "admin"}, territory_admin=False),
        follow=True,
    )
    assert response.status_code == 200  # not the 403 of the page they can no longer see
    assert response.redirect_chain[-1][0] == reverse(
        "agents:home", kwargs={"territory_pk": territory.pk}
    )
    assert "Vous n'êtes plus administrateur de l'espace" in unescape(response.content.decode())
    assert not TerritoryAdmin.objects.filter(agent=admin_agent, territory=territory).exists()


def test_an_admin_who_removes_themselves_lands_on_their_territory_list(
    admin_client, territory, organisation, admin_agent
):
    other = AgentFactory()
    TerritoryAdminFactory(agent=other, territory=territory)
    AgentRoleFactory(agent=other, organisation=organisation, access_level="admin")
    response = admin_client.post(remove_url(territory, admin_agent), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("territories:list")
    assert "Vous n'êtes plus administrateur de l'espace" in unescape(response.content.decode())
    assert not AgentRole.objects.filter(agent=admin_agent, organisation=organisation).exists()


def test_leaving_an_organisation_without_an_admin_is_refused(
    admin_client, territory, organisation, service, admin_agent
):
    TerritoryAdminFactory(agent=AgentFactory(), territory=territory)  # not the last one
    response = admin_client.post(
        detail_url(territory, admin_agent),
        form_data([organisation], [service], {organisation: "basic"}, territory_admin=True),
    )
    assert (
        "L'organisation « Maison des solidarités de Valence » n'aurait plus d'administrateur"
        in unescape(response.content.decode())
    )
    assert AgentRole.objects.get(agent=admin_agent).access_level == "admin"


def test_demoting_an_organisation_admin_is_fine_when_another_admin_remains(
    admin_client, territory, organisation, service, basic_agent
):
    basic_agent.roles.update(access_level="admin")
    response = admin_client.post(
        detail_url(territory, basic_agent),
        form_data([organisation], [service], {organisation: "basic"}),
    )
    assert response.status_code == 302
    assert AgentRole.objects.get(agent=basic_agent).access_level == "basic"


def test_leaving_an_organisation_with_future_rdvs_is_refused(
    admin_client, territory, organisation, second_organisation, service, basic_agent
):
    AgentRoleFactory(agent=basic_agent, organisation=second_organisation)
    RdvAgentFactory(
        agent=basic_agent, rdv=RdvFactory(territory=territory, organisation=organisation)
    )
    response = admin_client.post(
        detail_url(territory, basic_agent),
        form_data([organisation, second_organisation], [service], {second_organisation: "basic"}),
    )
    assert "Bob Agent a encore 1 RDV à venir dans l'organisation « Maison des solidarités" in (
        unescape(response.content.decode())
    )
    assert AgentRole.objects.filter(agent=basic_agent, organisation=organisation).exists()

    response = admin_client.post(remove_url(territory, basic_agent), follow=True)
    assert "a encore 1 RDV à venir" in unescape(response.content.decode())
    assert AgentRole.objects.filter(agent=basic_agent, organisation=organisation).exists()


def test_past_and_cancelled_rdvs_do_not_block_leaving(
    admin_client, territory, organisation, second_organisation, service, basic_agent
):
    AgentRoleFactory(agent=basic_agent, organisation=second_organisation)
    past = timezone.now() - timedelta(days=2)
    RdvAgentFactory(
        agent=basic_agent,
        rdv=RdvFactory(territory=territory, organisation=organisation, starts_at=past),
    )
    RdvAgentFactory(
        agent=basic_agent,
        rdv=RdvFactory(territory=territory, organisation=organisation, status="cancelled"),
        holds_time=False,
    )
    response = admin_client.post(
        detail_url(territory, basic_agent),
        form_data([organisation, second_organisation], [service], {second_organisation: "basic"}),
    )
    assert response.status_code == 302
    assert not AgentRole.objects.filter(agent=basic_agent, organisation=organisation).exists()


def test_removing_an_agent_asks_for_confirmation_then_takes_them_out(
    admin_client, territory, organisation, service, basic_agent, admin_agent, other_territory
):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    elsewhere = AgentRoleFactory(
        agent=basic_agent, organisation=OrganisationFactory(territory=other_territory)
    )
    assert "Êtes-vous sûr" in page(admin_client, remove_url(territory, basic_agent))

    response = admin_client.post(remove_url(territory, basic_agent))
    assert response.status_code == 302
    assert not AgentRole.objects.filter(agent=basic_agent).exists()
    with scope(territory=other_territory):  # their role elsewhere stays
        assert list(AgentRole.objects.filter(agent=basic_agent)) == [elsewhere]
    assert not AgentService.objects.filter(agent=basic_agent).exists()
    assert admin_client.get(detail_url(territory, basic_agent)).status_code == 404
    event = Event.objects.get(type="agent.removed")
    assert event.payload["email"] == "bob@exemple.fr"
    assert event.organisation_ids == [organisation.pk]
    entry = AuditEntry.objects.get(action="agent.removed")
    assert entry.actor == admin_agent and entry.after is None


def test_saving_without_change_publishes_nothing(
    admin_client, territory, organisation, service, basic_agent
):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    admin_client.post(
        detail_url(territory, basic_agent),
        form_data([organisation], [service], {organisation: "basic"}),
    )
    assert not Event.objects.exists()
    assert not AuditEntry.objects.exists()
