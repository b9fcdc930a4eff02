"""Two admins open the same edit form and both submit: the second is told, with their
input shown again, and the first one's change stays (no silent revert)."""

from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from availability.models import Absence, AvailabilityRange
from motifs.models import Motif
from rdv_settings.queries import settings_for
from territories.errors import StaleObject
from territories.models import AgentRole, AuditEntry, Organisation, TerritoryAdmin
from tests.factories import (
    AbsenceFactory,
    AgentFactory,
    AgentRoleFactory,
    AgentServiceFactory,
    AvailabilityRangeFactory,
    CustomFieldFactory,
    EndpointFactory,
    MotifFactory,
    TerritoryAdminFactory,
    UserRecordFactory,
)
from tests.form_data import submitted
from user_records.fields import hidden_fields
from user_records.models import CustomField, UserRecord
from webhooks.models import Endpoint

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

STALE = StaleObject().message


def shown_form_data(response) -> dict[str, Any]:
    return submitted(response.context["form"])


@dataclass
class Case:
    """An edit form: its URL for the object, each admin's change, the value kept."""

    make: Any  # (territory, organisation, service) -> object
    url: Any  # (territory, object) -> str
    first: dict
    second: dict
    saved: Any  # (object) -> the value the first admin set


def _agent(territory, organisation, service):
    agent = AgentFactory(email="dora@exemple.fr")
    AgentRoleFactory(agent=agent, organisation=organisation, access_level="basic")
    AgentServiceFactory(agent=agent, territory=territory, service=service)
    return agent


CASES = {
    "motif": Case(
        make=lambda t, o, s: MotifFactory(territory=t, service=s, organisations=[o]),
        url=lambda t, m: reverse("motifs:update", args=[t.pk, m.pk]),
        first={"name": "Premier accueil"},
        second={"name": "Accueil du second"},
        saved=lambda m: Motif.objects.get(pk=m.pk).name,
    ),
    "organisation": Case(
        make=lambda t, o, s: o,
        url=lambda t, o: reverse("organisations:update", args=[t.pk, o.pk]),
        first={"phone": "04 75 11 22 33"},
        second={"name": "MDS Valence centre"},
        saved=lambda o: (lambda fresh: (fresh.phone, fresh.name))(
            Organisation.objects.get(pk=o.pk)
        ),
    ),
    "user record": Case(
        make=lambda t, o, s: UserRecordFactory(territory=t, first_name="Léa", last_name="Martin"),
        url=lambda t, r: reverse("user_records:update", args=[t.pk, r.pk]),
        first={"last_name": "Dupont"},
        second={"last_name": "Durand"},
        saved=lambda r: UserRecord.objects.get(pk=r.pk).last_name,
    ),
    "custom field": Case(
        make=lambda t, o, s: CustomFieldFactory(territory=t, label="Situation"),
        url=lambda t, f: reverse("user_records:field_update", args=[t.pk, f.pk]),
        first={"label": "Situation familiale"},
        second={"label": "Situation à l'entrée"},
        saved=lambda f: CustomField.objects.get(pk=f.pk).label,
    ),
    "endpoint": Case(
        make=lambda t, o, s: EndpointFactory(territory=t, description="Suivi"),
        url=lambda t, e: reverse("webhooks:update", args=[t.pk, e.pk]),
        first={"description": "Logiciel de suivi du CD"},
        second={"description": "Logiciel de la MDS"},
        saved=lambda e: Endpoint.objects.get(pk=e.pk).description,
    ),
    "agent": Case(
        make=_agent,
        url=lambda t, a: reverse("agents:agent_detail", args=[t.pk, a.pk]),
        first={"is_territory_admin": "on"},
        second={"organisation_{organisation}": "admin"},
        saved=lambda a: (
            TerritoryAdmin.objects.filter(agent=a).exists(),
            AgentRole.objects.get(agent=a).access_level,
        ),
    ),
    "availability range": Case(
        make=lambda t, o, s: AvailabilityRangeFactory(
            territory=t,
            organisation=o,
            agent=_agent(t, o, s),
            title="Matin",
            motifs=[MotifFactory(territory=t, service=s, organisations=[o])],
        ),
        url=lambda t, r: reverse("availability:availability_range_update", args=[t.pk, r.pk]),
        first={"title": "Permanence du matin"},
        second={"title": "Accueil du matin"},
        saved=lambda r: AvailabilityRange.objects.get(pk=r.pk).title,
    ),
    "absence": Case(
        make=lambda t, o, s: AbsenceFactory(territory=t, agent=_agent(t, o, s), title="Congés"),
        url=lambda t, a: reverse("availability:absence_update", args=[t.pk, a.pk]),
        first={"title": "Formation"},
        second={"title": "Congés d'hiver"},
        saved=lambda a: Absence.objects.get(pk=a.pk).title,
    ),
    "RDV settings": Case(
        make=lambda t, o, s: t,
        url=lambda t, _: reverse("rdv_settings:section", args=[t.pk]),
        first={"waiting_room_mode": "email"},
        second={"waiting_room_mode": "none"},
        saved=lambda t: settings_for(t).waiting_room_mode,
    ),
    "hidden fields": Case(
        make=lambda t, o, s: t,
        url=lambda t, _: reverse("user_records:section", args=[t.pk]),
        first={"hidden_fields": ["phone"]},
        second={"hidden_fields": ["email"]},
        saved=lambda t: sorted(hidden_fields(t)),
    ),
}


@pytest.fixture
def second_admin_client(territory, organisation):
    agent = AgentFactory(email="eve@exemple.fr", first_name="Eve", last_name="Admin")
    TerritoryAdminFactory(agent=agent, territory=territory)
    AgentRoleFactory(agent=agent, organisation=organisation, access_level="admin")
    client = Client()
    client.force_login(agent)
    return client


@pytest.mark.parametrize("name", CASES)
def test_the_second_of_two_admins_editing_the_same_object_is_told(
    name, admin_client, second_admin_client, territory, organisation, service
):
    case = CASES[name]
    obj = case.make(territory, organisation, service)
    url = case.url(territory, obj)
    first_page, second_page = admin_client.get(url), second_admin_client.get(url)
    assert first_page.status_code == second_page.status_code == 200
    changes = {key.format(organisation=organisation.pk): v for key, v in case.second.items()}
    first = {**shown_form_data(first_page), **case.first}
    second = {**shown_form_data(second_page), **changes}
    assert first["version"] == second["version"] != ""

    assert admin_client.post(url, first).status_code == 302
    kept = case.saved(obj)
    entries = AuditEntry.objects.count()

    response = second_admin_client.post(url, second)
    assert response.status_code == 200
    assert STALE in unescape(response.content.decode())
    shown = response.context["form"]
    for field, value in changes.items():
        assert shown[field].value() == value  # their input is still there
    assert case.saved(obj) == kept  # the first admin's change is intact
    assert AuditEntry.objects.count() == entries  # and nothing was recorded


def test_the_same_change_submitted_twice_is_no_conflict(admin_client, territory, organisation):
    url = reverse("organisations:update", args=[territory.pk, organisation.pk])
    data = {**shown_form_data(admin_client.get(url)), "phone": "04 75 11 22 33"}
    assert admin_client.post(url, data).status_code == 302
    assert admin_client.post(url, data).status_code == 302  # a double click: nothing to tell
    assert AuditEntry.objects.filter(action="organisation.updated").count() == 1


def test_a_reloaded_form_saves_over_the_other_change(
    admin_client, second_admin_client, territory, organisation
):
    url = reverse("organisations:update", args=[territory.pk, organisation.pk])
    stale = shown_form_data(second_admin_client.get(url))
    admin_client.post(url, {**shown_form_data(admin_client.get(url)), "phone": "04 75 11 22 33"})
    assert second_admin_client.post(url, {**stale, "name": "MDS"}).status_code == 200
    fresh = shown_form_data(second_admin_client.get(url))
    assert fresh["phone"] == "04 75 11 22 33"
    assert second_admin_client.post(url, {**fresh, "name": "MDS"}).status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.phone) == ("MDS", "04 75 11 22 33")
