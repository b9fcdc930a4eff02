"""Lists at a département's size: hundreds of organisations are searched by name instead
of being sent in every filter drop-down, and the pages keep an absolute query budget."""

from django.urls import reverse

from territories.filters import SELECT_LIMIT
from territories.models import Organisation
from tests.factories import AgentRoleFactory, InvitationFactory, MotifFactory
from tests.queries import count_queries

LIST_QUERY_BUDGET = 12


def many_organisations(territory, count=SELECT_LIMIT + 450):
    return Organisation.objects.bulk_create(
        Organisation(territory=territory, name=f"Centre social n° {n:03d}") for n in range(count)
    )


def test_a_small_territory_keeps_its_drop_down(admin_client, territory, organisation):
    for name in ("agents:section", "motifs:section"):
        html = admin_client.get(reverse(name, kwargs={"territory_pk": territory.pk})).content
        assert f'<option value="{organisation.pk}">' in html.decode()


def test_past_the_limit_the_agents_filter_searches_organisations_by_name(
    admin_client, territory, organisation, basic_agent
):
    centres = many_organisations(territory)
    carla = AgentRoleFactory(organisation=centres[123], agent__first_name="Carla").agent
    InvitationFactory(territory=territory, email="dora@exemple.fr", organisations=[centres[124]])
    url = reverse("agents:section", kwargs={"territory_pk": territory.pk})

    page = admin_client.get(url)
    html = page.content.decode()
    assert "Centre social n° 123" not in html.split("<table")[0]  # no 500-option select
    assert 'name="organisation"' in html and "Tout ou partie de son nom" in html
    assert count_queries(lambda: admin_client.get(url)) <= LIST_QUERY_BUDGET

    found = admin_client.get(url, {"organisation": "centre social n° 123"}).content.decode()
    assert str(carla) in found and "Bob Agent" not in found and "dora@" not in found
    both = admin_client.get(url, {"organisation": "n° 12"}).content.decode()
    assert str(carla) in both and "dora@exemple.fr" in both
    assert count_queries(lambda: admin_client.get(url, {"organisation": "n° 12"})) <= (
        LIST_QUERY_BUDGET
    )


def test_past_the_limit_the_motifs_filter_searches_organisations_by_name(
    admin_client, territory, service
):
    centres = many_organisations(territory)
    MotifFactory(territory=territory, service=service, name="Aide", organisations=centres[7:9])
    MotifFactory(territory=territory, service=service, name="Autre", organisations=[centres[123]])
    url = reverse("motifs:section", kwargs={"territory_pk": territory.pk})

    listed = admin_client.get(url, {"organisation": "n° 00"})
    assert [motif.name for motif in listed.context["object_list"]] == ["Aide"]  # once only
    assert "Centre social n° 123" not in admin_client.get(url).content.decode().split("<table")[0]
    assert count_queries(lambda: admin_client.get(url)) <= LIST_QUERY_BUDGET
