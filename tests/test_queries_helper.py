from django.urls import reverse

from tests.factories import TerritoryAdminFactory, TerritoryFactory
from tests.queries import assert_flat_query_count


def test_territory_list_query_count_is_flat(admin_client, admin_agent):
    def grow():
        for _ in range(25):
            TerritoryAdminFactory(agent=admin_agent, territory=TerritoryFactory())

    assert_flat_query_count(lambda: admin_client.get(reverse("territories:list")), grow)
