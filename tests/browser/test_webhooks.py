import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD
from tests.webhook_receiver import Reply, receiver  # noqa: F401
from webhooks.models import Endpoint

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def test_admin_adds_an_endpoint_sends_a_test_event_and_reads_the_attempt(
    page,
    transactional_db,
    admin_agent,
    territory,
    organisation,
    receiver,  # noqa: F811
):
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/webhooks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    assert_accessible(page)

    page.get_by_role("link", name="Ajouter un point de réception").click()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Adresse \(URL\) de réception")).fill(receiver.url())
    page.get_by_label(re.compile(r"^Description")).fill("Logiciel de suivi")
    page.get_by_label(re.compile(r"^Tous les événements")).uncheck(force=True)
    page.get_by_label(re.compile(r"^Motifs")).check(force=True)
    page.get_by_label(organisation.name).check(force=True)
    page.get_by_role("button", name="Enregistrer").click()

    endpoint = Endpoint.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logiciel de suivi")
    expect(page.locator("#nouveau-secret")).to_contain_text(endpoint.secret)
    assert endpoint.event_types == ["motif.*"]
    assert_accessible(page)

    page.get_by_role("button", name="Envoyer un événement de test").click()
    expect(
        page.get_by_text(re.compile(r"Événement de test reçu : réponse HTTP 200"))
    ).to_be_visible()
    expect(page.locator("#nouveau-secret")).to_have_count(0)  # shown once only
    assert len(receiver.received()) == 1
    assert_accessible(page)

    receiver.replies["/hook"] = Reply(500, body=b"base indisponible")
    page.get_by_role("button", name="Envoyer un événement de test").click()
    expect(page.get_by_text(re.compile(r"Échec de l'événement de test"))).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Voir l'envoi")).first.click()
    expect(page.get_by_role("cell", name="base indisponible")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Renvoyer").click()
    expect(page.get_by_text("Envoi relancé")).to_be_visible()
    assert_accessible(page)
