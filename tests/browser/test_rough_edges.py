"""Rough edges a new admin found (issue 17 §5) that only a browser shows: layout, and
what the page looks like before its scripts run."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD, CustomFieldFactory, OrganisationFactory

DSFR_SCRIPT = re.compile(r"dsfr\.(no)?module\.min\.js")


def panels_shown(page) -> list[bool]:
    panels = page.locator(".fr-tabs__panel")
    expect(panels).to_have_count(3)
    return [panels.nth(index).is_visible() for index in range(3)]


def test_before_the_design_system_script_only_the_selected_motif_tab_shows(
    new_page, transactional_db, admin_agent, territory
):
    page = new_page()
    login(page, "alice@exemple.fr", PASSWORD)
    # The design system's script held back (an empty one): the page as it is drawn
    # before that script runs.
    page.route(
        DSFR_SCRIPT,
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=""),
    )
    page.goto(f"/territoires/{territory.pk}/motifs/nouveau/")
    assert panels_shown(page) == [True, False, False]

    # Without JavaScript at all, every panel shows, one under the other.
    no_script = new_page(java_script_enabled=False)
    no_script.context.add_cookies(page.context.cookies())  # Alice's session (axe needs JS)
    no_script.goto(f"/territoires/{territory.pk}/motifs/nouveau/")
    assert panels_shown(no_script) == [True, True, True]


def test_very_long_words_do_not_push_tables_off_screen(
    new_page, transactional_db, admin_agent, territory
):
    OrganisationFactory(territory=territory, name="Maison" + "x" * 194)
    CustomFieldFactory(territory=territory, label="Situation" + "y" * 141)
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "alice@exemple.fr", PASSWORD)
    for path in ("organisations/", "fiches-usagers/"):
        page.goto(f"/territoires/{territory.pk}/{path}")
        table = page.locator("table").first
        expect(table).to_be_visible()
        box = table.bounding_box()
        assert box["x"] + box["width"] <= 1280, path
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path
        assert_accessible(page)
