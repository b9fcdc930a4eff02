"""Bad input never gets a 500: every tenant URL, fetched and posted to (empty and with
junk) by the territory's own admin, with objects that belong to the territory."""

import pytest

from tests.isolation import OBJECT_KWARGS, iter_routes

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

JUNK = {
    "name": "x" * 5000,
    "email": "pas-une-adresse",
    "phone": "12",
    "url": "javascript:alert(1)",
    "page": "-1",
    "starts_at": "hier",
    "service": "999999",
    "organisations": ["abc"],
}


@pytest.fixture
def territory_objects(territory):
    return {key: build(territory) for key, build in OBJECT_KWARGS.items()}


def test_no_tenant_url_answers_500_to_its_own_admin(admin_client, territory, territory_objects):
    failures = []
    for route in iter_routes():
        if "territory_pk" not in route.kwargs:
            continue
        url = route.url({**territory_objects, "territory_pk": territory.pk})
        for method, data in (("get", {"page": "abc", "q": "é%"}), ("post", {}), ("post", JUNK)):
            try:
                status = getattr(admin_client, method)(url, data).status_code
            except Exception as exc:  # noqa: BLE001  a crash is what this test looks for
                status = f"{type(exc).__name__}: {exc}"
            if not isinstance(status, int) or status >= 500:
                failures.append(f"{method.upper()} {url} ({route.name}) -> {status}")
    assert failures == []
