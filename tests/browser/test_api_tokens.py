import re

import pytest
from playwright.sync_api import expect

from api.models import ApiToken
from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def test_an_agent_makes_a_token_uses_it_and_revokes_it(
    page, transactional_db, basic_agent, territory, organisation
):
    login(page, "bob@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/agents/mon-espace/")
    page.get_by_role("link", name="gérer mes jetons d'API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes jetons d'API")
    assert_accessible(page)

    page.get_by_label(re.compile(r"^Nom du jeton")).fill("Outil de suivi")
    page.get_by_role("button", name="Créer le jeton").click()
    raw = page.locator("#raw-token").inner_text()
    assert raw.startswith("rdvt_")
    assert_accessible(page)

    answer = page.request.get("/api/v1/organisations", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status == 200
    assert answer.json()["organisations"][0]["name"] == organisation.name

    page.reload()  # the list, the token no longer shown
    expect(page.locator("#raw-token")).to_have_count(0)
    page.get_by_role("link", name="Révoquer le jeton Outil de suivi").click()
    assert_accessible(page)
    page.get_by_role("button", name="Révoquer le jeton").click()
    expect(page.get_by_text("Le jeton « Outil de suivi » est révoqué")).to_be_visible()
    assert ApiToken.objects.get().revoked_at is not None
    refused = page.request.get("/api/v1/organisations", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status == 401


def test_the_api_documentation_renders_under_the_sites_security_policy(page, db):
    """Swagger UI comes from the site itself (no CDN, no inline script): a CSP violation
    is a console error and fails the test."""
    page.goto("/api/v1/docs/")
    expect(page.get_by_text("/api/v1/organisations/{organisation_pk}/rdvs").first).to_be_visible()
