"""ProConnect in a real browser: Chromium goes from our login page to the local
OpenID Connect provider (tests/oidc_provider.py) and back, and out again."""

import re

import pytest
from playwright.sync_api import expect

from agents.models import Agent
from tests.browser.conftest import assert_accessible
from tests.factories import InvitationFactory


@pytest.fixture
def provider(proconnect, live_server):
    proconnect.reset(rp_url=live_server.url)
    return proconnect


def sign_in_at_provider(page, email: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Fournisseur d'identité de test")
    assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_role("button", name="Se connecter").click()


def test_an_agent_logs_in_and_out_with_proconnect(page, provider, basic_agent):
    provider.add_user("bob@exemple.fr")
    page.goto("/connexion/")
    assert_accessible(page)
    page.get_by_role("button", name="S’identifier avec ProConnect").click()
    sign_in_at_provider(page, "bob@exemple.fr")
    expect(page).to_have_url(re.compile(r"/territoires/$"))
    assert_accessible(page)
    assert Agent.objects.get(pk=basic_agent.pk).proconnect_sub

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/$"))
    expect(
        page.get_by_text("Vous êtes déconnecté(e) de RDV Territoire et de ProConnect.")
    ).to_be_visible()
    assert_accessible(page)
    assert len(provider.ended_sessions) == 1


def test_an_unknown_person_is_told_to_ask_for_an_invitation(page, provider, db):
    provider.add_user("inconnue@exemple.fr")
    page.goto("/connexion/")
    page.get_by_role("button", name="S’identifier avec ProConnect").click()
    sign_in_at_provider(page, "inconnue@exemple.fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aucun compte pour cette adresse")
    assert_accessible(page)
    page.get_by_role("link", name="Retour à la page de connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à RDV Territoire")


def test_an_invited_person_joins_with_proconnect(
    page, provider, territory, organisation, service, admin_agent
):
    invitation = InvitationFactory(
        territory=territory,
        email="dora@exemple.fr",
        invited_by=admin_agent,
        organisations=[organisation],
        services=[service],
    )
    provider.add_user("dora@exemple.fr", given_name="Dora", usual_name="Nouvelle")
    page.goto(f"/invitations/{invitation.token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rejoindre l'espace Drôme (26)")
    assert_accessible(page)
    page.get_by_role("button", name="S’identifier avec ProConnect").click()
    sign_in_at_provider(page, "dora@exemple.fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace — Drôme (26)")
    expect(page.get_by_text("Bienvenue dans l'espace Drôme (26) !")).to_be_visible()
    assert_accessible(page)
    assert Agent.objects.get(email="dora@exemple.fr").full_name == "Dora Nouvelle"
