"""Attacks on the agents' user-record list: forged page positions and junk searches.
Whatever is typed or edited into the URL, the agent gets a page (never a 500) and only
the records they may see."""

import base64

import pytest
from django.urls import reverse

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
