from playwright.sync_api import expect

from territories.sections import configuration_sections
from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD


def test_admin_logs_in_opens_the_territory_and_follows_each_tile(
    page, transactional_db, admin_agent, territory
):
    login(page, "alice@exemple.fr", PASSWORD)
    expect(page.get_by_role("heading", name="Mes territoires")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Drôme (26)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Drôme (26)")
    assert_accessible(page)

    dashboard = page.url
    for section in configuration_sections():
        page.goto(dashboard)
        page.locator(f"#tuile-{section.key}").get_by_role("link", name=section.title).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(section.title)
        assert page.url.endswith(section.url(territory))
        side = page.get_by_role("navigation", name=territory.name)
        expect(side.get_by_role("link", name=section.title)).to_have_attribute(
            "aria-current", "page"
        )
        assert_accessible(page)
