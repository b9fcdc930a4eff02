from tests.factories import ApiTokenFactory
from tests.isolation import API_PREFIX, crawl, crawl_api, iter_routes


def test_every_url_is_closed_to_another_territorys_admin(
    client, territory, other_territory, outsider
):
    client.force_login(outsider)
    failures = crawl(client, target_territory=territory, own_territory=other_territory)
    assert failures == []


def test_the_crawler_walks_the_territory_sections():
    names = {route.name for route in iter_routes()}
    assert {"territories:dashboard", "motifs:section", "agents:section"} <= names


def test_the_crawler_catches_a_view_that_forgot_its_scope(
    client, settings, territory, other_territory, outsider
):
    settings.ROOT_URLCONF = "tests.leaky_urls"
    client.force_login(outsider)
    failures = crawl(client, target_territory=territory, own_territory=other_territory)
    assert len(failures) == 1
    assert "/fuite/" in failures[0]
    assert "200" in failures[0]


def test_every_api_route_is_closed_to_another_territorys_token(
    client, territory, other_territory, outsider
):
    token = ApiTokenFactory(territory=other_territory, agent=outsider)
    assert crawl_api(client, token.raw, target_territory=territory) == []


def test_the_api_crawler_walks_the_api_routes():
    routes = {route.name for route in iter_routes() if route.route.startswith(API_PREFIX)}
    assert {"api_v1:rdv_detail", "api_v1:user_detail", "api_v1:endpoint_detail"} <= routes


def test_the_api_crawler_catches_a_route_that_forgot_its_scope(
    client, settings, territory, other_territory, outsider
):
    settings.ROOT_URLCONF = "tests.leaky_api_urls"
    token = ApiTokenFactory(territory=other_territory, agent=outsider)
    failures = crawl_api(client, token.raw, target_territory=territory)
    assert len(failures) == 1
    assert "/fuite/" in failures[0] and "200" in failures[0]
