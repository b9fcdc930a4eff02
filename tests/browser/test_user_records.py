import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD, UserRecordFactory
from user_records.fields import STANDARD_FIELDS, standard_label
from user_records.models import UserRecord

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def form_labels(page) -> list[str]:
    texts = page.locator("main form[method=post] label.fr-label").all_inner_texts()
    return [" ".join(text.replace("*", "").split()) for text in texts]


def test_admin_configures_the_form_and_an_agent_fills_exactly_that_form(
    page, new_page, transactional_db, admin_agent, basic_agent, territory
):
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/fiches-usagers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fiches usagers")
    expect(page.get_by_text("s'appliqueront à l'ensemble des organisations")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ajouter un champ personnalisé").click()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Libellé")).fill("Situation professionnelle")
    page.get_by_label(re.compile(r"^Type")).select_option(label="Choix unique")
    page.get_by_label(re.compile(r"^Choix proposés")).fill(
        "En emploi\nDemandeur d'emploi\nRetraité"
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le champ « Situation professionnelle » a été ajouté.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Téléphone").check(force=True)  # the DSFR label covers the box
    page.get_by_role("button", name="Enregistrer les champs masqués").click()
    expect(page.get_by_text("Les champs standards affichés ont été mis à jour.")).to_be_visible()
    expect(page.get_by_label("Téléphone")).to_be_checked()
    assert_accessible(page)

    page.get_by_role("link", name="Aperçu du formulaire des agents").click()
    expect(page.get_by_label(re.compile(r"^Situation professionnelle"))).to_be_visible()
    assert_accessible(page)

    # Bob, an agent of the territory, in his own browser.
    agent = new_page()
    login(agent, "bob@exemple.fr", PASSWORD)
    agent.goto(f"/territoires/{territory.pk}/usagers/")
    expect(agent.get_by_role("heading", level=1)).to_have_text("Usagers")
    assert_accessible(agent)

    agent.get_by_role("link", name="Créer une fiche usager").click()
    expected = [standard_label(name) for name in STANDARD_FIELDS if name != "phone"]
    assert form_labels(agent) == [*expected, "Situation professionnelle"]
    expect(agent.get_by_label(re.compile(r"^Téléphone"))).to_have_count(0)
    assert_accessible(agent)

    agent.get_by_label(re.compile(r"^Prénom")).fill("Éloïse")
    agent.get_by_label(re.compile(r"^Nom$|^Nom \*")).fill("Faure")
    agent.get_by_label(re.compile(r"^Situation professionnelle")).select_option("Retraité")
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Éloïse FAURE")
    expect(agent.get_by_text("Retraité")).to_be_visible()
    assert_accessible(agent)

    record = UserRecord.objects.get()
    assert list(record.custom_values.values()) == ["Retraité"]

    agent.get_by_role("navigation", name=territory.name).get_by_role(
        "link", name="Usagers", exact=True
    ).click()
    expect(agent.get_by_role("link", name="FAURE Éloïse")).to_be_visible()
    assert_accessible(agent)


def test_an_agent_pages_through_a_search_and_back(
    page, transactional_db, basic_agent, territory, organisation
):
    # Records followed by Bob's organisation: the ones a basic agent sees.
    for number in range(30):
        UserRecordFactory(
            territory=territory,
            first_name=f"Usager {number:02d}",
            last_name="Martin",
            organisations=[organisation],
        )
    UserRecordFactory(
        territory=territory, first_name="Anne", last_name="Petit", organisations=[organisation]
    )
    login(page, "bob@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/usagers/")
    page.get_by_label("Rechercher un usager").fill("martin")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_text("30 fiches usagers pour « martin »")).to_be_visible()
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(25)
    assert_accessible(page)

    pages = page.get_by_role("navigation", name="Pagination")
    pages.get_by_role("link", name="Page suivante").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_role("link", name="MARTIN Usager 29")).to_be_visible()
    expect(page.get_by_label("Rechercher un usager")).to_have_value("martin")
    assert_accessible(page)
    pages.get_by_role("link", name="Page précédente").click()
    expect(page.get_by_role("link", name="MARTIN Usager 00")).to_be_visible()
    pages.get_by_role("link", name="Dernière page").click()
    expect(page.get_by_role("link", name="MARTIN Usager 29")).to_be_visible()
    expect(rows).to_have_count(25)  # the last 25, ending with the last record
