"""What the territory admin is told: motifs open online without a slot (the morning
mail and the badge of the list of motifs), and the invitation link to copy when the
invitation mail does not arrive."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from agents.services import invite_agent
from agents.tasks import send_invitation_mail
from booking.tasks import check_territory_slots
from tests.booking_helpers import public_motif, receiving_agent, weekly_range
from tests.browser.conftest import assert_accessible, join_with_new_account, login
from tests.factories import PASSWORD, OrganisationFactory

pytestmark = pytest.mark.usefixtures("in_territory")


def test_the_admin_follows_the_morning_mail_to_a_motif_without_slot(
    new_page, transactional_db, admin_agent, territory, organisation, service
):
    annexe = OrganisationFactory(territory=territory, name="Antenne de Romans")
    agent = receiving_agent(territory, organisation, service)
    accueil = public_motif(territory, organisation, service, name="Accueil")
    accueil.organisations.add(annexe)
    permanence = public_motif(territory, organisation, service, name="Permanence")
    for motif in (accueil, permanence):
        weekly_range(agent, organisation, motif, timezone.localdate(), [0, 1, 2, 3, 4, 5, 6])

    check_territory_slots([accueil.pk, permanence.pk])  # the morning's check, run here

    (message,) = mail.outbox
    assert message.to == ["alice@exemple.fr"]
    path = re.search(r"https?://[^/\s]+(/\S+/motifs/\d+/)", message.body).group(1)
    page = new_page()
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accueil")
    expect(page.get_by_text("Aucun créneau en ligne")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Motifs").first.click()
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="Accueil").get_by_text("Aucun créneau en ligne")).to_be_visible()
    expect(rows.filter(has_text="Antenne de Romans").first).to_be_visible()
    expect(rows.filter(has_text="Permanence").get_by_text("Aucun créneau en ligne")).to_have_count(
        0
    )
    assert_accessible(page)


def test_the_admin_copies_the_invitation_link_which_lets_the_agent_join(
    new_page, transactional_db, admin_agent, territory, organisation, service
):
    invitation = invite_agent(
        territory, "dora@exemple.fr", [service], [organisation], acting_agent=admin_agent
    )
    send_invitation_mail(invitation.pk)

    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/agents/")
    page.get_by_role("link", name="dora@exemple.fr").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation de dora@exemple.fr")
    expect(page.get_by_text("48 heures après l'envoi")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Copier le lien").click()
    expect(page.get_by_text("Lien copié.")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.get_by_label(re.compile(r"^Lien d'invitation")).input_value()
    assert "/invitations/" in copied

    dora = new_page()
    dora.goto(copied)
    expect(dora.get_by_role("heading", level=1)).to_have_text("Rejoindre l'espace Drôme (26)")
    join_with_new_account(dora)
    expect(dora.get_by_role("heading", level=1)).to_have_text("Mon espace — Drôme (26)")
