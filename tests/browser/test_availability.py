import re

import pytest
from playwright.sync_api import expect

from availability.models import AvailabilityRange
from tests.booking_helpers import public_motif
from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD, AgentServiceFactory

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def test_agent_creates_a_weekly_range_and_an_absence(
    page, transactional_db, basic_agent, territory, organisation, service
):
    AgentServiceFactory(agent=basic_agent, territory=territory, service=service)
    public_motif(territory, organisation, service, name="Accompagnement RSA")
    login(page, "bob@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/plages/")
    expect(page.get_by_role("heading", name="Plages d'ouverture", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Nouvelle plage d'ouverture").click()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Organisation")).select_option(label=organisation.name)
    page.get_by_label("Accompagnement RSA (Sur place)").check(force=True)
    page.get_by_label(re.compile(r"^Premier jour")).fill("2030-03-04")
    page.get_by_label(re.compile(r"^Heure de début")).fill("09:00")
    page.get_by_label(re.compile(r"^Heure de fin")).fill("08:00")
    page.get_by_label("Toutes les semaines", exact=True).check(force=True)
    page.get_by_label("Lundi").check(force=True)
    page.get_by_label("Jeudi").check(force=True)
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_text("L'heure de fin doit être après l'heure de début.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Heure de fin")).fill("12:00")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_text("La plage d'ouverture a été enregistrée.")).to_be_visible()
    expect(
        page.get_by_role("cell", name=re.compile("Chaque semaine \\(Lundi, Jeudi\\)"))
    ).to_be_visible()
    assert_accessible(page)
    assert AvailabilityRange.objects.get().weekdays == [0, 3]

    page.get_by_role("link", name="Absences").click()
    page.get_by_role("link", name="Nouvelle absence").click()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Intitulé")).fill("Formation")
    page.get_by_label(re.compile(r"^Début")).fill("2030-03-04T09:00")
    page.get_by_label(re.compile(r"^Fin")).fill("2030-03-04T17:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("cell", name="Formation", exact=True)).to_be_visible()
    assert_accessible(page)
