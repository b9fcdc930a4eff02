"""At 375 px wide (a phone) the header's tool links are hidden: the DSFR burger menu
must carry them, and the breadcrumb and side menu open from their buttons."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD

PHONE = {"width": 375, "height": 812}


def test_the_burger_menu_reaches_my_territories_and_logs_out(
    new_page, transactional_db, admin_agent, territory
):
    page = new_page(viewport=PHONE)
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(reverse("territories:dashboard", kwargs={"territory_pk": territory.pk}))
    expect(page.get_by_role("heading", level=1)).to_have_text("Drôme (26)")
    expect(page.locator(".fr-header__tools-links")).to_be_hidden()
    assert_accessible(page)

    menu = page.locator("#fr-menu-mobile")
    page.get_by_role("button", name="Menu", exact=True).click()
    expect(menu).to_be_visible()
    assert_accessible(page)
    menu.get_by_role("link", name="Mes territoires").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes territoires")

    page.get_by_role("button", name="Menu", exact=True).click()
    menu.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à RDV Territoire")
    page.goto(reverse("territories:list"))
    expect(page).to_have_url(re.compile(r"/connexion/"))


def test_the_breadcrumb_and_side_menu_open_and_lead_to_the_agenda(
    new_page, transactional_db, admin_agent, territory
):
    page = new_page(viewport=PHONE)
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(reverse("motifs:section", kwargs={"territory_pk": territory.pk}))

    breadcrumb = page.get_by_role("navigation", name="vous êtes ici :")
    expect(breadcrumb.get_by_role("link", name="Mes territoires")).to_be_hidden()
    breadcrumb.get_by_role("button", name="Voir le fil d’Ariane").click()
    expect(breadcrumb.get_by_role("link", name="Mes territoires")).to_be_visible()

    side_menu = page.locator("#navigation-territoire")
    expect(side_menu.get_by_role("link", name="Agenda des RDV")).to_be_hidden()
    side_menu.get_by_role("button", name="Menu de l'espace").click()
    expect(side_menu.get_by_role("link", name="Agenda des RDV")).to_be_visible()
    assert_accessible(page)
    side_menu.get_by_role("link", name="Agenda des RDV").click()
    expect(page).to_have_url(re.compile(r"/rdv/"))
    assert_accessible(page)
