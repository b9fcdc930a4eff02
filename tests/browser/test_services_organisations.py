import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD


def test_admin_deactivates_a_service_then_adds_an_organisation(
    page, transactional_db, admin_agent, territory, organisation, service
):
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/services/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Services")
    assert_accessible(page)
    page.get_by_role("link", name=f"Désactiver {service.name}").click()
    expect(page.get_by_text("Agents affectés à ce service : 0")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Désactiver le service").click()
    row = page.get_by_role("row", name=re.compile(service.name))
    expect(row.get_by_text("Désactivé", exact=True)).to_be_visible()
    assert_accessible(page)

    page.goto(f"/territoires/{territory.pk}/organisations/")
    assert_accessible(page)
    page.get_by_role("link", name="Ajouter une organisation").click()
    page.get_by_label(re.compile(r"^Nom")).fill("Mairie de Die")
    page.get_by_label(re.compile(r"^Téléphone")).fill("123")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Saisissez un numéro de téléphone français valide.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Téléphone")).fill("04 75 22 00 00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mairie de Die")
    expect(page.get_by_text("vous en êtes administrateur")).to_be_visible()
    assert_accessible(page)
