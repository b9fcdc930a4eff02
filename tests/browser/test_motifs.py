import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD


def test_an_error_in_the_online_tab_brings_that_tab_forward(
    page, transactional_db, admin_agent, territory, organisation, service
):
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/motifs/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Motifs")
    assert_accessible(page)

    page.get_by_role("link", name="Créer un motif").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un motif")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Nom du motif")).fill("Premier accueil")
    page.locator("label", has_text=organisation.name).click()
    page.get_by_label(re.compile(r"^Service associé")).select_option(label=service.name)

    page.get_by_role("tab", name="Réservation en ligne").click()
    minimum = page.get_by_label(re.compile(r"^Délai minimum"))
    expect(minimum).to_be_hidden()  # closed to usagers: the options are hidden
    page.locator("label", has_text="Ouvert aux usagers").click()
    expect(minimum).to_be_visible()
    minimum.select_option(label="1 jour")
    page.get_by_label(re.compile(r"^Délai maximum")).select_option(label="2 heures")
    page.get_by_role("button", name="Enregistrer le motif").click()

    online_tab = page.get_by_role("tab", name=re.compile("Réservation en ligne"))
    expect(online_tab).to_have_attribute("aria-selected", "true")
    error = "Le délai maximum de réservation doit être supérieur au délai minimum."
    expect(page.get_by_text(error)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Onglet « Réservation en ligne »")
    assert_accessible(page)

    page.get_by_label(re.compile(r"^Délai maximum")).select_option(label="1 mois")
    page.get_by_role("button", name="Enregistrer le motif").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Premier accueil")
    expect(page.get_by_text("Le motif « Premier accueil (Sur place) » est créé.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name=territory.name).get_by_role("link", name="Motifs").click()
    row = page.get_by_role("row", name=re.compile("Premier accueil"))
    expect(row.get_by_text("En ligne", exact=True)).to_be_visible()
    assert_accessible(page)


def test_the_motif_tabs_follow_the_arrow_keys(page, transactional_db, admin_agent, territory):
    # The DSFR tabs script runs once the header no longer breaks the design system's
    # scripts: the first arrow key moves the selection and the roving tabindex.
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/motifs/nouveau/")
    first = page.get_by_role("tab", name="Information générale")
    online = page.get_by_role("tab", name="Réservation en ligne")
    # The design system starts its tab list on a later animation frame: wait until it has
    # taken the list over, or the key press reaches a list nobody listens to yet.
    expect(page.locator(".fr-tabs__list[data-fr-js-tabs-list]")).to_be_attached()
    expect(first).to_have_attribute("tabindex", "0")
    first.focus()
    page.keyboard.press("ArrowRight")
    expect(online).to_have_attribute("aria-selected", "true")
    expect(online).to_have_attribute("tabindex", "0")
    expect(first).to_have_attribute("tabindex", "-1")
