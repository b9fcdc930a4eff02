"""Support staff's Django admin: the audit journal is append-only there, and webhook
URLs are checked when saved, as in the territory admin's own screens."""

import pytest

from territories.models import AuditEntry, Territory
from tests.factories import AgentFactory, AuditEntryFactory, EndpointFactory

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


@pytest.fixture
def support_client(client, db):
    client.force_login(AgentFactory(email="support@exemple.fr", is_staff=True, is_superuser=True))
    return client


def test_the_audit_journal_cannot_be_edited_or_deleted_even_by_a_superuser(
    support_client, territory
):
    entry = AuditEntryFactory(territory=territory, actor=None)
    base = "/admin/territories/auditentry/"
    assert support_client.get(base).status_code == 200
    assert support_client.get(f"{base}{entry.pk}/change/").status_code == 200  # read only
    assert support_client.get(f"{base}add/").status_code == 403
    assert support_client.post(f"{base}{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert support_client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    support_client.post(
        base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    # Nor through the territory it belongs to (the deletion would cascade to it).
    support_client.post(f"/admin/territories/territory/{territory.pk}/delete/", {"post": "yes"})
    assert Territory.objects.filter(pk=territory.pk).exists()
    entry.refresh_from_db()
    assert entry.action == "organisation.updated"
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://[::127.0.0.1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://10.0.0.8/hook",
        "https://localhost/hook",
        "http://recepteur.exemple.fr/hook",
    ],
)
def test_support_cannot_save_a_private_webhook_url(support_client, settings, territory, url):
    settings.WEBHOOKS_ALLOW_LOCAL_TARGETS = False
    endpoint = EndpointFactory(territory=territory)
    response = support_client.post(
        f"/admin/webhooks/endpoint/{endpoint.pk}/change/",
        {
            "territory": territory.pk,
            "url": url,
            "description": "",
            "enabled": "on",
            "event_types": "*",
            "organisations": [],
        },
    )
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    endpoint.refresh_from_db()
    assert endpoint.url.startswith("https://recepteur")
