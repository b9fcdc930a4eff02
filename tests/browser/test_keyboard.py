"""Keyboard and screen-reader use: forms shown again with errors announce them (a
focused summary whose links lead to the fields, "Erreur : " in the title), the skip
links land on the page's content and on the side menu, wide tables say they scroll,
and an agent books, moves and cancels an RDV with the keyboard alone."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agents.invitations import link_token
from agents.services import invite_agent
from agents.tasks import send_invitation_mail
from tests.booking_helpers import public_motif, receiving_agent, weekly_range
from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD
from tests.rdv_setup import usable_motif, usager

pytestmark = pytest.mark.usefixtures("in_territory")

PHONE = {"width": 375, "height": 812}
FOCUSED = """() => {
  const e = document.activeElement;
  const label = e.labels && e.labels[0] ? e.labels[0].innerText : "";
  return {tag: e.tagName.toLowerCase(), id: e.id, text: (e.innerText || "").trim(),
          label: label.trim(), inSummary: !!e.closest("[data-rdv-error-summary]")};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, matches, limit=80) -> int:
    """Press Tab until the focused element matches; returns the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if matches(focused(page)):
            return presses
    raise AssertionError(f"never reached by Tab; last focus: {focused(page)}")


def assert_error_summary(page, field_id: str | None = None) -> None:
    """Focus is on the summary; its first link, taken with the keyboard, focuses the field
    (`field_id`, or the one the link names)."""
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    summary = page.locator("[data-rdv-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    assert_accessible(page)
    if field_id is None:
        href = summary.locator("a").first.get_attribute("href")
        field_id = href[1:].removesuffix("-group")
    page.keyboard.press("Tab")
    assert focused(page)["inSummary"]
    page.keyboard.press("Enter")
    assert focused(page)["id"] == field_id


def test_public_booking_forms_announce_their_errors(
    page, transactional_db, territory, organisation, service
):
    agent = receiving_agent(territory, organisation, service)
    motif = public_motif(
        territory, organisation, service, name="Accueil", instructions_before="Venez tôt."
    )
    weekly_range(
        agent, organisation, motif, timezone.localdate() + timedelta(days=1), [0, 1, 2, 3, 4, 5, 6]
    )

    page.goto(reverse("booking:instructions", args=[organisation.pk, motif.pk]))
    expect(page).not_to_have_title(re.compile(r"^Erreur"))
    page.get_by_role("button", name="Continuer").press("Enter")
    assert_error_summary(page, "id_acknowledged")

    page.keyboard.press("Space")
    page.get_by_role("button", name="Continuer").press("Enter")
    page.locator(".fr-tag").first.press("Enter")
    expect(page.get_by_role("heading", name="Vos coordonnées")).to_be_visible()
    page.get_by_role("button", name="Confirmer le rendez-vous").press("Enter")
    assert_error_summary(page)


def test_invitation_forms_announce_their_errors(
    page, new_page, transactional_db, admin_agent, territory, organisation, service
):
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(reverse("agents:invite", kwargs={"territory_pk": territory.pk}))
    page.get_by_role("button", name="Envoyer l'invitation").press("Enter")
    assert_error_summary(page, "id_email")

    invitation = invite_agent(
        territory, "dora@exemple.fr", [service], [organisation], acting_agent=admin_agent
    )
    send_invitation_mail(invitation.pk)
    invitation.refresh_from_db()
    dora = new_page()
    dora.goto(reverse("invitation_accept", kwargs={"token": link_token(invitation)}))
    expect(dora).not_to_have_title(re.compile(r"^Erreur"))
    dora.get_by_role("button", name="Rejoindre l'espace").press("Enter")
    assert_error_summary(dora)


def test_the_skip_links_lead_to_the_content_and_to_the_side_menu(
    page, transactional_db, admin_agent, territory
):
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(reverse("territories:dashboard", kwargs={"territory_pk": territory.pk}))
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Contenu"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "contenu-page"
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["tag"] in ("a", "button") and first["text"]
    # The first control of the dashboard: inside the content, past breadcrumb and menu.
    assert page.evaluate("() => !!document.activeElement.closest('#contenu-page')")

    page.goto(reverse("territories:dashboard", kwargs={"territory_pk": territory.pk}))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Menu de l'espace"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "navigation-territoire"
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('#navigation-territoire')")
    assert focused(page)["tag"] == "a"


def test_on_a_phone_the_side_menu_opens_and_is_walked_with_the_keyboard(
    new_page, transactional_db, admin_agent, territory
):
    page = new_page(viewport=PHONE)
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(reverse("territories:dashboard", kwargs={"territory_pk": territory.pk}))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "navigation-territoire"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Menu de l'espace"
    page.keyboard.press("Enter")
    menu = page.locator("#menu-territoire")
    expect(menu.get_by_role("link", name="Agenda des RDV")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('#menu-territoire')")
    if focused(page)["text"] != "Agenda des RDV":
        tab_to(page, lambda f: f["text"] == "Agenda des RDV", limit=10)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/rdv/"))


def test_on_a_phone_the_agents_table_scrolls_and_says_so(
    new_page, transactional_db, admin_agent, basic_agent, territory
):
    page = new_page(viewport=PHONE)
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(reverse("agents:section", kwargs={"territory_pk": territory.pk}))
    table = page.locator("#tableau-agents table")
    expect(page.locator("#defilement-agents")).to_be_visible()
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert_accessible(page)

    wide = new_page()
    login(wide, "alice@exemple.fr", PASSWORD)
    wide.goto(reverse("agents:section", kwargs={"territory_pk": territory.pk}))
    expect(wide.locator("#defilement-agents")).to_be_hidden()


def test_an_agent_books_moves_and_cancels_an_rdv_with_the_keyboard_alone(
    page, transactional_db, territory, organisation, service, admin_agent
):
    usable_motif(territory, organisation, service, admin_agent, name="Accueil RSA")
    usager(territory, first_name="Hélène", last_name="Durand")
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(reverse("rdvs:agenda_day", kwargs={"territory_pk": territory.pk}))
    tomorrow = timezone.localdate() + timedelta(days=1)

    tab_to(page, lambda f: f["text"] == "Nouveau RDV")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau RDV")
    tab_to(page, lambda f: f["id"] == "recherche-usager")
    page.keyboard.type("helene")
    page.keyboard.press("Enter")
    expect(page.get_by_label(re.compile("^Usagers"))).to_contain_text("Hélène Durand")
    tab_to(page, lambda f: f["label"].startswith("Motif"))
    page.keyboard.type("Accueil")
    tab_to(page, lambda f: f["label"].startswith("Usagers"))
    page.keyboard.press("ArrowDown")
    tab_to(page, lambda f: f["label"].startswith("Date"))
    page.keyboard.type(tomorrow.strftime("%d%m%Y"))
    tab_to(page, lambda f: f["label"].startswith("Heure de début"))
    page.keyboard.type("1430")
    tab_to(page, lambda f: f["text"] == "Créer le RDV")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Le RDV est créé.")).to_be_visible()
    expect(page.get_by_text("14:30").first).to_be_visible()

    tab_to(page, lambda f: f["text"] == "Modifier le RDV")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier le RDV")
    tab_to(page, lambda f: f["label"].startswith("Heure de début"))
    page.keyboard.type("1600")
    tab_to(page, lambda f: f["text"] == "Enregistrer")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Le RDV est modifié.")).to_be_visible()
    expect(page.get_by_text("16:00").first).to_be_visible()

    tab_to(page, lambda f: f["text"] == "Annuler le RDV")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler le RDV")
    tab_to(page, lambda f: f["text"] == "Oui, annuler le RDV")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Le RDV est annulé.")).to_be_visible()
    assert_accessible(page)
