import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from territories.models import Organisation
from territories.sections import SECTIONS
from tests.factories import (
    AgentFactory,
    OrganisationFactory,
    TerritoryAdminFactory,
    TerritoryFactory,
)


def dashboard_url(territory):
    return reverse("territories:dashboard", kwargs={"territory_pk": territory.pk})


def test_admin_sees_a_tile_and_a_side_link_per_help_page_section(admin_client, territory):
    response = admin_client.get(dashboard_url(territory))
    assert response.status_code == 200
    html = response.content.decode()
    for section in SECTIONS:
        url = section.url(territory)
        assert url.startswith(f"/territoires/{territory.pk}/")
        assert html.count(f'href="{url}"') == 2, section.title  # tile + side navigation
    titles = [s.title for s in SECTIONS]
    assert titles == [
        "Agents",
        "Webhooks",
        "Fiches usagers",
        "Fiches RDV",
        "Motifs",
        "Services",
        "Organisations",
    ]


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
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
