"""Login and password-reset throttling: per account and per address, French messages,
a cool-off, and never a real agent locked out of their own browser."""

from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agents.login_throttle import DEVICE_COOKIE
from tests.factories import PASSWORD, AgentFactory

ACCOUNT_LOCKED = "Trop de tentatives de connexion ont échoué pour ce compte"
ADDRESS_LOCKED = "Trop de tentatives de connexion ont échoué depuis votre connexion internet"


def attempt(client, email, password, path=None):
    path = path or reverse("login")
    return client.post(path, {"username": email, "password": password})


def logged_in_as(client) -> str | None:
    user = client.get(reverse("territories:list")).wsgi_request.user
    return user.email if user.is_authenticated else None


@pytest.mark.parametrize("path", ["/connexion/", "/admin/login/"])
def test_ten_failures_hold_the_account_back_then_the_cool_off_ends(client, admin_agent, path):
    if path.startswith("/admin/"):
        admin_agent.is_staff = True
        admin_agent.save(update_fields=["is_staff"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            assert attempt(client, "alice@exemple.fr", "mauvais", path).status_code == 200
        refused = attempt(client, "ALICE@exemple.fr", PASSWORD, path)
        assert ACCOUNT_LOCKED in unescape(refused.text)
        assert logged_in_as(client) is None
        # Another account from the same address is not affected.
        AgentFactory(email="zoe@exemple.fr", is_staff=True)
        assert attempt(client, "zoe@exemple.fr", PASSWORD, path).status_code == 302
        client.logout()
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert attempt(client, "alice@exemple.fr", PASSWORD, path).status_code == 302
        assert logged_in_as(client) == "alice@exemple.fr"


def test_an_attacker_cannot_lock_an_agent_out_of_their_own_browser(admin_agent):
    own_browser = Client()
    assert attempt(own_browser, "alice@exemple.fr", PASSWORD).status_code == 302
    assert DEVICE_COOKIE in own_browser.cookies
    own_browser.post(reverse("logout"))  # the session ends, the browser stays known

    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(12):
        attempt(attacker, "alice@exemple.fr", "devine")
    assert ACCOUNT_LOCKED in unescape(attempt(attacker, "alice@exemple.fr", PASSWORD).text)
    new_browser = Client()
    assert ACCOUNT_LOCKED in unescape(attempt(new_browser, "alice@exemple.fr", PASSWORD).text)

    assert attempt(own_browser, "alice@exemple.fr", PASSWORD).status_code == 302
    assert logged_in_as(own_browser) == "alice@exemple.fr"


def test_a_forged_known_device_cookie_does_not_count(admin_agent):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(10):
        attempt(attacker, "alice@exemple.fr", "devine")
    attacker.cookies[DEVICE_COOKIE] = "W10:forged:signature"
    assert ACCOUNT_LOCKED in unescape(attempt(attacker, "alice@exemple.fr", PASSWORD).text)


def test_thirty_failures_from_one_address_hold_that_address_back(client, admin_agent):
    for number in range(30):
        attempt(client, f"personne{number}@exemple.fr", "devine")
    assert ADDRESS_LOCKED in unescape(attempt(client, "alice@exemple.fr", PASSWORD).text)
    assert logged_in_as(client) is None
    elsewhere = Client(REMOTE_ADDR="198.51.100.4")
    assert attempt(elsewhere, "alice@exemple.fr", PASSWORD).status_code == 302


def test_password_reset_requests_are_limited_per_account_and_address(
    client, admin_agent, django_capture_on_commit_callbacks
):
    path = reverse("password_reset")
    with django_capture_on_commit_callbacks() as queued:
        for _ in range(3):
            assert client.post(path, {"email": "alice@exemple.fr"}).status_code == 302
        refused = client.post(path, {"email": "alice@exemple.fr"})
    assert refused.status_code == 200
    assert "Plusieurs liens ont déjà été demandés pour cette adresse" in unescape(refused.text)
    assert len(queued) == 3  # one mail per accepted request, none for the refused one
    for number in range(6):
        client.post(path, {"email": f"personne{number}@exemple.fr"})
    refused = client.post(path, {"email": "bob@exemple.fr"})
    assert "Trop de demandes de nouveau mot de passe" in unescape(refused.text)


def test_with_redis_down_logins_still_work(client, admin_agent, redis_down):
    assert attempt(client, "alice@exemple.fr", "mauvais").status_code == 200
    assert attempt(client, "alice@exemple.fr", PASSWORD).status_code == 302
