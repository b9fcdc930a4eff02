"""Attacks on the agents' user-record list: forged page positions and junk searches.
Whatever is typed or edited into the URL, the agent gets a page (never a 500) and only
the records they may see."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.export_files import exported_lines
from tests.factories import CustomFieldFactory

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def url(territory):
    return reverse("user_records:list", args=[territory.pk])


def forged(json_text: str) -> str:
    return base64.urlsafe_b64encode(json_text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("key", ["apres", "avant"])
def test_a_position_naming_a_character_text_cannot_hold_gives_the_first_page(client, world, key):
    """JSON lets a token spell a lone surrogate ("\\ud800"), which no UTF-8 text holds:
    the position leads nowhere, as any undecodable token does."""
    world.record(last_name="Dupont")
    client.force_login(world.same_service)
    client.raise_request_exception = False
    response = client.get(url(world.territory), {key: forged('["\\ud800", "b", 1]')})
    assert response.status_code == 200
    assert "DUPONT" in response.content.decode()
    assert not response.context["page"].has_previous


def searched_sql(client, territory, query: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(territory), {"q": query}).status_code == 200
    return " ".join(q["sql"] for q in captured.captured_queries)


def test_a_search_of_a_thousand_words_costs_what_one_of_twenty_does(client, world):
    """A 4 kB URL of 1,300 two-letter words made 1,300 conditions of several LIKEs each:
    4 s of database time per request at 100,000 records, for any agent to repeat. The
    words past the twentieth are not searched (a name, an address or a number typed in
    pieces never needs more)."""
    record = world.record(last_name="Dupont", first_name="Anne")
    client.force_login(world.same_service)
    twenty = " ".join(["an"] * 19 + ["dupont"])
    thousand = twenty + " zz" * 1000
    assert searched_sql(client, world.territory, thousand).count(" LIKE ") == (
        searched_sql(client, world.territory, twenty).count(" LIKE ")
    )
    page = client.get(url(world.territory), {"q": thousand}).context["page"]
    assert [r.pk for r in page.records] == [record.pk]


def test_a_custom_field_label_is_never_a_formula_in_the_export(client, world):
    """Cells were defused, not the header: a label written by a territory admin ran as a
    formula in the spreadsheet of every agent who exported."""
    CustomFieldFactory(territory=world.territory, label='=HYPERLINK("https://pirate.example")')
    world.record(last_name="Dupont")
    client.force_login(world.same_service)
    header = exported_lines(client, world.territory, type="fiches")[0]
    assert header.endswith(';"\'=HYPERLINK(""https://pirate.example"")"')
