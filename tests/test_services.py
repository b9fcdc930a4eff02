"""The Services section: the catalogue, activation and deactivation, and their effect."""

from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from motifs.forms import MotifForm
from organisations.models import ServiceRequest
from organisations.tasks import send_service_request
from territories.models import AuditEntry, TerritoryService
from tests.factories import (
    AgentServiceFactory,
    MotifFactory,
    OrganisationFactory,
    ServiceFactory,
    TerritoryServiceFactory,
)
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def services_url(territory, action=""):
    name = {"": "section", "on": "activate", "off": "deactivate"}[action]
    return reverse(f"services:{name}", kwargs={"territory_pk": territory.pk})


@pytest.fixture
def catalogue(territory, service, organisation):
    """`service` active with two agents and one live motif; one deactivated; one never used."""
    for _ in range(2):
        AgentServiceFactory(territory=territory, service=service)
    MotifFactory(territory=territory, service=service, organisations=[organisation])
    MotifFactory(territory=territory, service=service, archived_at="2026-01-01T00:00Z")
    closed = ServiceFactory(name="PMI")
    TerritoryServiceFactory(territory=territory, service=closed, is_active=False)
    ServiceFactory(name="Insertion")
    return service


def test_the_list_shows_the_catalogue_with_state_and_usage(admin_client, territory, catalogue):
    response = admin_client.get(services_url(territory))
    rows = {
        s.name: (s.is_active, s.agent_count, s.motif_count) for s in response.context["services"]
    }
    assert rows == {
        "Insertion": (False, 0, 0),
        "PMI": (False, 0, 0),
        "Service social": (True, 2, 1),
    }
    assert "Demander l'ajout d'un service" in response.text


def test_a_service_request_reaches_the_support_staff_and_the_admin_is_told(
    admin_client, territory, organisation, other_territory, admin_agent, settings
):
    settings.SUPPORT_EMAIL = "support@exemple.fr"
    foreign = OrganisationFactory(territory=other_territory)
    page = admin_client.get(services_url(territory))
    request_url = reverse("services:request", kwargs={"territory_pk": territory.pk})
    assert f'href="{request_url}"' in page.text
    assert "mailto:" not in page.text

    form = admin_client.get(request_url)
    assert organisation.name in form.text and foreign.name not in form.text
    # Nothing typed, or another territory's organisation: said in French, nothing kept.
    empty = admin_client.post(request_url, {"service_name": "  ", "reason": ""})
    assert empty.status_code == 200 and "Ce champ est obligatoire." in empty.text
    forged = admin_client.post(
        request_url,
        {"service_name": "Médiation numérique", "reason": "x", "organisations": [foreign.pk]},
    )
    assert forged.status_code == 200 and "Sélectionnez un choix valide" in forged.text
    assert not ServiceRequest.objects.exists()

    response = admin_client.post(
        request_url,
        {
            "service_name": "  Médiation   numérique ",
            "reason": "Nos conseillers numériques reçoivent sur rendez-vous.",
            "organisations": [organisation.pk],
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == services_url(territory)
    assert "a été envoyée à l'équipe support" in unescape(response.text)
    service_request = ServiceRequest.objects.get()
    assert service_request.service_name == "Médiation numérique"
    assert list(service_request.organisations.all()) == [organisation]
    assert service_request.requested_by == admin_agent and not service_request.handled
    assert AuditEntry.objects.filter(action="service_request.created").count() == 1
    assert not Event.objects.filter(type="service_request.created").exists()

    send_service_request(service_request.pk)
    message = mail.outbox[-1]
    assert message.to == ["support@exemple.fr"]
    assert message.reply_to == [admin_agent.email]
    assert "Médiation numérique" in message.subject and territory.name in message.subject
    assert organisation.name in message.body and "conseillers numériques" in message.body


def test_deactivation_is_confirmed_with_what_keeps_the_service(
    admin_client, territory, catalogue, admin_agent
):
    url = services_url(territory, "off")
    page = admin_client.get(url, {"service": catalogue.pk})
    assert "Êtes-vous sûr" in page.text
    assert "Agents affectés à ce service : 2" in page.text
    assert "Motifs actifs de ce service : 1" in page.text
    assert TerritoryService.objects.get(territory=territory, service=catalogue).is_active

    response = admin_client.post(url, {"service": catalogue.pk})
    assert response.status_code == 302
    assert not TerritoryService.objects.get(territory=territory, service=catalogue).is_active
    event = Event.objects.get(type="service.deactivated")
    assert event.payload["id"] == catalogue.pk and event.payload["is_active"] is False
    entry = AuditEntry.objects.get(action="service.deactivated")
    assert entry.actor == admin_agent and entry.after == {"is_active": False}


def test_a_catalogue_service_is_activated_in_the_territory(admin_client, territory, catalogue):
    insertion = catalogue.__class__.objects.get(name="Insertion")
    url = services_url(territory, "on")
    assert "Êtes-vous sûr" in admin_client.get(url, {"service": insertion.pk}).text
    admin_client.post(url, {"service": insertion.pk})
    assert TerritoryService.objects.get(territory=territory, service=insertion).is_active
    assert Event.objects.filter(type="service.activated", payload__id=insertion.pk).exists()
    assert AuditEntry.objects.filter(action="service.activated").count() == 1


def test_a_service_cannot_be_deactivated_twice_or_activated_when_active(
    admin_client, territory, catalogue
):
    pmi = catalogue.__class__.objects.get(name="PMI")
    response = admin_client.post(services_url(territory, "off"), {"service": pmi.pk}, follow=True)
    assert response.redirect_chain == [(services_url(territory), 302)]
    assert "Le service « PMI » est déjà désactivé dans l'espace." in unescape(
        response.content.decode()
    )
    response = admin_client.get(services_url(territory, "on"), {"service": catalogue.pk})
    assert response.status_code == 302
    assert admin_client.get(services_url(territory, "on"), {"service": "x"}).status_code == 404
    assert admin_client.get(services_url(territory, "on"), {"service": 999999}).status_code == 404
    assert not Event.objects.exists()


def test_a_double_submitted_deactivation_happens_once_and_says_so(
    admin_client, territory, catalogue
):
    admin_client.post(services_url(territory, "off"), {"service": catalogue.pk})
    response = admin_client.post(
        services_url(territory, "off"), {"service": catalogue.pk}, follow=True
    )
    assert response.status_code == 200  # the list, not a "page non trouvée"
    assert "est déjà désactivé" in unescape(response.content.decode())
    assert list(Event.objects.values_list("type", flat=True)) == ["service.deactivated"]
    assert AuditEntry.objects.filter(action="service.deactivated").count() == 1


def test_a_deactivated_service_is_no_longer_offered_for_motifs(
    admin_client, territory, catalogue, organisation
):
    admin_client.post(services_url(territory, "off"), {"service": catalogue.pk})
    new_form = MotifForm(territory=territory)
    assert catalogue not in new_form.fields["service"].queryset

    # A motif that already uses it keeps it, shown as deactivated.
    motif = MotifFactory(territory=territory, service=catalogue, organisations=[organisation])
    edit_form = MotifForm(territory=territory, instance=motif)
    assert list(edit_form.fields["service"].queryset) == [catalogue]
    choices = dict(edit_form.fields["service"].choices)
    assert "Service social (service désactivé)" in choices.values()
    listing = admin_client.get(reverse("motifs:section", args=[territory.pk]))
    assert "Service désactivé" in listing.text


def test_services_are_for_territory_admins(client, basic_agent, territory, service):
    client.force_login(basic_agent)
    assert client.get(services_url(territory)).status_code == 403
    response = client.post(services_url(territory, "off"), {"service": service.pk})
    assert response.status_code == 403
    assert TerritoryService.objects.get(service=service).is_active
