import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from territories.models import AgentRole, AgentService
from tests.browser.conftest import assert_accessible, join_with_new_account, login
from tests.factories import PASSWORD, ServiceFactory, TerritoryServiceFactory

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def wait_for_mail(timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if mail.outbox:
            return mail.outbox[-1]
        time.sleep(0.1)
    raise AssertionError("the invitation mail was not sent")


def test_admin_invites_an_agent_who_joins_then_the_admin_changes_their_rights(
    page, new_page, transactional_db, celery_worker, admin_agent, territory, organisation, service
):
    pmi = ServiceFactory(name="PMI")
    TerritoryServiceFactory(territory=territory, service=pmi)

    # The admin invites Dora.
    login(page, "alice@exemple.fr", PASSWORD)
    page.goto(f"/territoires/{territory.pk}/agents/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agents")
    assert_accessible(page)
    page.get_by_role("link", name="Inviter un agent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inviter un agent")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Adresse e-mail de l'agent")).fill("dora@exemple.fr")
    # DSFR checkboxes are operated through their labels, as a person does.
    page.locator("label", has_text="Service social").click()
    page.locator("label", has_text="Maison des solidarités de Valence").click()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("L'invitation de dora@exemple.fr est en cours d'envoi")).to_be_visible()
    assert_accessible(page)

    # Dora opens the link of the mail (sent by the Celery worker) in her own browser.
    message = wait_for_mail()
    assert message.to == ["dora@exemple.fr"]
    path = re.search(r"/invitations/[^/\s]+/", message.body).group(0)
    dora = new_page()
    dora.goto(path)
    expect(dora.get_by_role("heading", level=1)).to_have_text("Rejoindre l'espace Drôme (26)")
    assert_accessible(dora)
    join_with_new_account(dora)
    expect(dora.get_by_role("heading", level=1)).to_have_text("Mon espace — Drôme (26)")
    expect(dora.get_by_text("Bienvenue dans l'espace Drôme (26) !")).to_be_visible()
    assert_accessible(dora)

    # The admin now manages Dora: another service, admin rights in the organisation.
    page.goto(f"/territoires/{territory.pk}/agents/")
    page.get_by_role("link", name="Dora Nouvelle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dora Nouvelle")
    assert_accessible(page)
    page.locator("label", has_text="PMI").click()
    page.get_by_label("Maison des solidarités de Valence").select_option("admin")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Les réglages de Dora Nouvelle sont enregistrés.")).to_be_visible()
    assert_accessible(page)

    role = AgentRole.objects.get(agent__email="dora@exemple.fr")
    assert (role.organisation, role.access_level) == (organisation, "admin")
    assert set(
        AgentService.objects.filter(agent__email="dora@exemple.fr").values_list(
            "service__name", flat=True
        )
    ) == {"Service social", "PMI"}
