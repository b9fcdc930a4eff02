from tests.isolation import crawl, iter_routes


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
