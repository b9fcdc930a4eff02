"""The "Fiches RDV" configuration section: context field and waiting-room mode."""

import pytest
from django.urls import reverse

from rdv_settings.models import RdvSettings
from rdv_settings.queries import settings_for
from territories.models import AuditEntry
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def url(territory):
    return reverse("rdv_settings:section", kwargs={"territory_pk": territory.pk})


def test_admin_sees_the_defaults_and_the_hidden_data_notice(admin_client, territory):
    response = admin_client.get(url(territory))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Fiches RDV</h1>" in html
    assert "fr-notice" in html
    assert "Les informations déjà saisies restent enregistrées mais ne sont plus visibles" in html
    assert response.context["form"]["waiting_room_mode"].value() == "visual"
    assert not RdvSettings.objects.exists()  # reading writes nothing


def test_admin_changes_the_settings_with_an_audit_entry_and_an_event(
    admin_client, territory, admin_agent
):
    response = admin_client.post(
        url(territory), {"context_enabled": "on", "waiting_room_mode": "both"}
    )
    assert response.status_code == 302
    saved = settings_for(territory)
    assert saved.context_enabled and saved.waiting_room_mode == "both"
    entry = AuditEntry.objects.get(action="rdv_settings.updated")
    assert entry.actor == admin_agent
    assert entry.before == {"context_enabled": False, "waiting_room_mode": "visual"}
    assert entry.after == {"context_enabled": True, "waiting_room_mode": "both"}
    assert Event.objects.get(type="rdv_settings.updated").payload["waiting_room_mode"] == "both"

    admin_client.post(url(territory), {"context_enabled": "on", "waiting_room_mode": "both"})
    assert AuditEntry.objects.count() == 1  # saving without a change logs nothing


def test_an_unknown_mode_is_a_french_error_and_saves_nothing(admin_client, territory):
    response = admin_client.post(url(territory), {"waiting_room_mode": "pigeon"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not RdvSettings.objects.exists()


def test_basic_agents_may_not_configure(client, territory, basic_agent):
    client.force_login(basic_agent)
    assert client.get(url(territory)).status_code == 403
    assert client.post(url(territory), {"waiting_room_mode": "none"}).status_code == 403
    assert not RdvSettings.objects.exists()
