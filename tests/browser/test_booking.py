import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from config import sms
from motifs.models import DAY
from rdvs.models import Rdv
from tests.booking_helpers import public_motif, receiving_agent, weekly_range
from tests.browser.conftest import assert_accessible

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def wait_for_mail(subject_start: str, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mail.outbox:
            if message.subject.startswith(subject_start):
                return message
        time.sleep(0.1)
    raise AssertionError(f"no mail {subject_start!r} in {[m.subject for m in mail.outbox]}")


def test_usager_books_online_then_moves_the_rdv_from_the_mail_link(
    page, transactional_db, celery_worker, territory, organisation, service
):
    agent = receiving_agent(territory, organisation, service, email="bob.agent@exemple.fr")
    motif = public_motif(
        territory,
        organisation,
        service,
        name="Accompagnement RSA",
        max_booking_delay=14 * DAY,
        public_can_move=True,
        instructions_before="Apportez votre dernier avis d'imposition.",
        instructions_after="Plan d'accès : https://exemple.fr/acces",
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    weekly_range(agent, organisation, motif, tomorrow, [0, 1, 2, 3, 4, 5, 6])

    page.goto("/prendre-rdv/")
    assert_accessible(page)
    page.get_by_role("link", name="Drôme (26)").click()
    assert_accessible(page)
    page.get_by_role("link", name="Maison des solidarités de Valence").click()
    expect(page.get_by_text("Sur place · 30 minutes")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Accompagnement RSA").click()

    expect(page.get_by_text("Apportez votre dernier avis d'imposition.")).to_be_visible()
    expect(page.locator(".fr-tag")).to_have_count(0)  # no slot before the acknowledgement
    assert_accessible(page)
    page.get_by_text("J'ai lu et compris ces informations").click()
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", name="Choisissez un créneau")).to_be_visible()
    assert_accessible(page)
    first_day = page.get_by_role("heading", level=3).first.inner_text()
    page.locator(".fr-tag").first.click()

    expect(page.get_by_role("heading", name="Vos coordonnées")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label(re.compile(r"^Nom")).fill("Durand")
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill("camille@exemple.fr")
    page.get_by_label(re.compile(r"^Téléphone portable")).fill("06 12 34 56 78")
    page.get_by_text("J'accepte que ces informations soient conservées").click()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()

    expect(page.get_by_text("Votre rendez-vous est confirmé.")).to_be_visible()
    expect(page.get_by_role("heading", name="Informations supplémentaires")).to_be_visible()
    expect(page.get_by_role("link", name="https://exemple.fr/acces")).to_be_visible()
    expect(page.get_by_text(f"{first_day}, de ")).to_be_visible()
    assert_accessible(page)
    booked_at = Rdv.objects.get().starts_at

    confirmation = wait_for_mail("RDV confirmé")
    assert "Informations supplémentaires" in confirmation.body
    link = re.search(r"https?://[^/\s]+(/prendre-rdv/rdv/[^\s]+)", confirmation.body).group(1)
    deadline = time.monotonic() + 10
    while not sms.outbox() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert link in sms.outbox()[0].text

    page.goto(link)
    assert_accessible(page)
    page.get_by_role("link", name="Déplacer le RDV").click()
    expect(page.get_by_role("heading", name="Déplacer votre RDV")).to_be_visible()
    assert_accessible(page)
    page.locator(".fr-tag").nth(3).click()
    expect(page.get_by_role("heading", name="Déplacer le rendez-vous")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer le nouveau créneau").click()

    expect(page.get_by_text("Votre rendez-vous a été déplacé.")).to_be_visible()
    assert_accessible(page)
    moved_at = Rdv.objects.get().starts_at
    assert moved_at != booked_at
    notice = wait_for_mail("RDV déplacé par l'usager")
    assert notice.to == ["bob.agent@exemple.fr"]
    assert wait_for_mail("RDV déplacé :").to == ["camille@exemple.fr"]
