"""Two agents have today's agenda open; one presses "Usager en salle d'attente", the
other sees the usager waiting without reloading. Every page is checked with axe-core."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD, RdvSettingsFactory, rdv_with_agents
from tests.rdv_setup import usable_motif, usager

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def test_the_other_agent_sees_the_usager_arrive_without_reloading(
    page, new_page, transactional_db, territory, organisation, service, admin_agent, basic_agent
):
    RdvSettingsFactory(territory=territory, waiting_room_mode="visual")
    motif = usable_motif(territory, organisation, service, admin_agent, basic_agent)
    starts_at = timezone.localtime().replace(hour=0, minute=5, second=0, microsecond=0)
    rdv_with_agents(
        admin_agent,
        basic_agent,
        territory=territory,
        organisation=organisation,
        motif=motif,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        user_records=[usager(territory, first_name="Jeanne", last_name="Martin")],
    )
    day = reverse("rdvs:agenda_day", kwargs={"territory_pk": territory.pk})

    bob = new_page()
    login(bob, "bob@exemple.fr", PASSWORD)
    bob.goto(day)
    expect(bob.get_by_text("Jeanne Martin")).to_be_visible()
    expect(bob.get_by_text("En salle d'attente depuis")).to_have_count(0)
    assert_accessible(bob)

    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(day)
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Usager en salle d'attente")).click()
    expect(page.get_by_text("arrivée enregistrée")).to_be_visible()
    expect(page.get_by_text("En salle d'attente depuis")).to_be_visible()
    assert_accessible(page)

    bob_url = bob.url
    expect(bob.get_by_text("En salle d'attente depuis")).to_be_visible(timeout=10_000)
    expect(bob.get_by_role("button", name=re.compile("^Usager en salle d'attente"))).to_have_count(
        0
    )
    assert bob.url == bob_url
    assert_accessible(bob)


def test_admin_switches_context_on_and_an_agent_books_an_rdv_with_it(
    page, transactional_db, territory, organisation, service, admin_agent
):
    motif = usable_motif(territory, organisation, service, admin_agent, name="Accueil RSA")
    usager(territory, first_name="Hélène", last_name="Durand")
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(reverse("rdv_settings:section", kwargs={"territory_pk": territory.pk}))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fiches RDV")
    assert_accessible(page)
    page.get_by_text("Activer le champ Contexte").click()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Les réglages des fiches RDV sont enregistrés.")).to_be_visible()

    page.get_by_role("link", name="Agenda des RDV").click()
    assert_accessible(page)
    page.get_by_role("link", name="Nouveau RDV").click()
    assert_accessible(page)
    page.get_by_label("Rechercher un usager par son nom").fill("helene")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_label(re.compile("^Motif")).select_option(label=str(motif))
    page.get_by_label(re.compile("^Usagers")).select_option(label="Hélène Durand")
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.get_by_label(re.compile("^Date")).fill(tomorrow.isoformat())
    page.get_by_label(re.compile("^Heure de début")).fill("14:30")
    page.get_by_label(re.compile("^Contexte")).fill("Préfère être appelée le matin")
    page.get_by_role("button", name="Créer le RDV").click()
    expect(page.get_by_text("Le RDV est créé.")).to_be_visible()
    expect(page.get_by_text("Préfère être appelée le matin")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Annuler le RDV").click()
    assert_accessible(page)
    page.get_by_role("button", name="Oui, annuler le RDV").click()
    expect(page.get_by_text("Le RDV est annulé.")).to_be_visible()
    page.goto(
        reverse("rdvs:agenda_week", kwargs={"territory_pk": territory.pk})
        + f"?jour={tomorrow.isoformat()}"
    )
    expect(page.get_by_text("Annulé", exact=True)).to_be_visible()
    assert_accessible(page)
