from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from territories.models import Organisation
from territories.sections import configuration_sections
from tests.factories import (
    PASSWORD,
    AgentFactory,
    InvitationFactory,
    OrganisationFactory,
    TerritoryAdminFactory,
    TerritoryFactory,
)
from tests.isolation import OBJECT_KWARGS, iter_routes


def next_after_login(location: str) -> str:
    url = urlsplit(location)
    assert url.path == reverse("login")
    return parse_qs(url.query)["next"][0]


def dashboard_url(territory):
    return reverse("territories:dashboard", kwargs={"territory_pk": territory.pk})


def test_admin_sees_a_tile_and_a_side_link_per_help_page_section(admin_client, territory):
    response = admin_client.get(dashboard_url(territory))
    assert response.status_code == 200
    html = response.content.decode()
    for section in configuration_sections():
        url = section.url(territory)
        assert url.startswith(f"/territoires/{territory.pk}/")
        assert html.count(f'href="{url}"') == 2, section.title  # tile + side navigation
    titles = [s.title for s in configuration_sections()]
    assert titles == [
        "Agents",
        "Webhooks",
        "Fiches usagers",
        "Fiches RDV",
        "Motifs",
        "Services",
        "Organisations",
    ]


@pytest.mark.parametrize("section", configuration_sections(), ids=lambda s: s.key)
def test_each_section_page_opens_for_the_admin(admin_client, territory, section):
    response = admin_client.get(section.url(territory))
    assert response.status_code == 200
    assert f"<h1>{section.title}</h1>" in response.content.decode()


def test_basic_agent_is_refused_the_configuration_with_403(client, basic_agent, territory):
    client.force_login(basic_agent)
    response = client.get(dashboard_url(territory))
    assert response.status_code == 403
    assert "Cette page est réservée aux administrateurs" in response.content.decode()


def test_outsider_gets_404_not_a_hint_that_the_territory_exists(client, outsider, territory):
    client.force_login(outsider)
    assert client.get(dashboard_url(territory)).status_code == 404
    assert client.get("/territoires/999999/").status_code == 404


def test_anonymous_is_sent_to_the_login_page(client, territory):
    response = client.get(dashboard_url(territory))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_territory_list_shows_only_administered_territories(admin_client, admin_agent, territory):
    TerritoryFactory(name="Isère")
    savoie = TerritoryFactory(name="Savoie")
    TerritoryAdminFactory(agent=admin_agent, territory=savoie)
    html = admin_client.get(reverse("territories:list")).content.decode()
    assert "Drôme" in html and "Savoie" in html
    assert "Isère" not in html


def test_territory_list_search_ignores_accents(admin_client, territory):
    html = admin_client.get(reverse("territories:list"), {"q": "drome"}).content.decode()
    assert "Drôme" in html


def test_an_agent_without_territory_is_told_so(client, db):
    client.force_login(AgentFactory())
    html = client.get(reverse("territories:list")).content.decode()
    assert "Vous n'êtes rattaché à aucun territoire" in html


def test_a_basic_agent_reaches_the_agenda_not_the_configuration(client, basic_agent, territory):
    client.force_login(basic_agent)
    html = client.get(reverse("territories:list")).content.decode()
    agenda = reverse("rdvs:agenda_day", kwargs={"territory_pk": territory.pk})
    assert f'href="{agenda}"' in html
    dashboard = reverse("territories:dashboard", kwargs={"territory_pk": territory.pk})
    assert f'href="{dashboard}"' not in html
    menu = client.get(agenda).content.decode()
    assert "Plages d&#x27;ouverture" in menu and "Usagers" in menu
    assert "Configuration de l'espace" not in menu


def test_unscoped_query_on_a_scoped_model_fails_loudly(territory):
    OrganisationFactory(territory=territory)
    with scope(), pytest.raises(ScopeError):
        list(Organisation.objects.all())
    with scope(territory=territory):
        assert Organisation.objects.count() == 1
    with scopes_disabled():
        assert Organisation.objects.count() == 1


def test_scope_hides_other_territories_rows(territory, other_territory):
    OrganisationFactory(territory=territory, name="Ici")
    foreign = OrganisationFactory(territory=other_territory, name="Ailleurs")
    with scope(territory=territory):
        assert not Organisation.objects.filter(pk=foreign.pk).exists()


def test_a_form_posted_after_the_session_expired_comes_back_to_its_page_after_login(
    client, territory, admin_agent
):
    # "Renvoyer l'invitation" accepts POST only: after logging in, a GET of its URL
    # would be a blank 405. The admin is brought back to the page the form was on.
    invitation = InvitationFactory(territory=territory)
    kwargs = {"territory_pk": territory.pk, "invitation_pk": invitation.pk}
    page = reverse("agents:invitation_detail", kwargs=kwargs)
    response = client.post(
        reverse("agents:invitation_resend", kwargs=kwargs), HTTP_REFERER=f"http://testserver{page}"
    )
    assert response.status_code == 302
    login_url = response["Location"]
    assert next_after_login(login_url) == page

    response = client.post(
        login_url, {"username": admin_agent.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == page
    assert response.status_code == 200
    assert "Renvoyer l'invitation" in response.content.decode()


def test_a_post_from_elsewhere_after_the_session_expired_leads_to_the_dashboard(client, territory):
    invitation = InvitationFactory(territory=territory)
    kwargs = {"territory_pk": territory.pk, "invitation_pk": invitation.pk}
    action = reverse("agents:invitation_resend", kwargs=kwargs)
    for referer in ({}, {"HTTP_REFERER": "https://ailleurs.example/piege/"}):
        response = client.post(action, **referer)
        assert next_after_login(response["Location"]) == dashboard_url(territory)


# Configuration sections of the agents, services/organisations and webhooks issues;
# the only pages of these namespaces open to plain members are listed apart.
CONFIGURATION_NAMESPACES = ("agents:", "territories:", "organisations:", "services:", "webhooks:")
MEMBER_PAGES = {"agents:home", "territories:list"}


def test_every_configuration_url_answers_403_to_a_member_who_is_not_territory_admin(
    client, territory, organisation, basic_agent
):
    client.force_login(basic_agent)
    objects = {}
    failures = []
    routes = [
        route
        for route in iter_routes()
        if route.name.startswith(CONFIGURATION_NAMESPACES) and route.name not in MEMBER_PAGES
    ]
    assert len(routes) > 20
    for route in routes:
        for key in route.kwargs:
            if key != "territory_pk" and key not in objects:
                objects[key] = OBJECT_KWARGS[key](territory)
        url = route.url({**objects, "territory_pk": territory.pk})
        statuses = [client.get(url).status_code, client.post(url).status_code]
        if set(statuses) - {403, 405} or 403 not in statuses:
            failures.append(f"{url} ({route.name}): GET/POST answered {statuses}")
    assert failures == []
