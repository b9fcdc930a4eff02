"""Support staff's edits in the Django admin are recorded like a service's change: the
same actions (audit entry and, when published, webhook event), staff as the actor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from agents.models import Invitation
from availability.models import Absence, AvailabilityRange
from motifs.models import Motif
from rdvs.models import RdvAgent
from territories.admin_changes import RecordedChangesAdmin
from territories.changes import published_types
from territories.models import AgentRole, AuditEntry, TerritoryAdmin, TerritoryService
from tests.factories import (
    AbsenceFactory,
    AgentFactory,
    AgentRoleFactory,
    AvailabilityRangeFactory,
    CustomFieldFactory,
    DeliveryFactory,
    EndpointFactory,
    InvitationFactory,
    MotifFactory,
    ServiceFactory,
    UserRecordFactory,
    rdv_with_agents,
)
from tests.form_data import submitted
from user_records.models import UserRecord
from webhooks.models import DeliveryStatus, Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

# Models of the apps whose writes are recorded; the territory itself and the audit log
# belong to the ground floor.
RECORDED_APPS = [
    "agents",
    "motifs",
    "user_records",
    "rdv_settings",
    "webhooks",
    "territories",
    "rdvs",
    "availability",
]
NOT_HERE = {"territories.Territory", "territories.AuditEntry"}


def admin_url(obj, view="change"):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def admin_form_data(response) -> dict[str, Any]:
    """What the admin change page submits as shown, inlines included."""
    data = submitted(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(submitted(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(submitted(form))
    return data


@pytest.fixture
def staff(admin_user, client):
    client.force_login(admin_user)
    return client


def change(staff, obj, **changes):
    url = admin_url(obj)
    data = {**admin_form_data(staff.get(url)), **changes}
    response = staff.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def recorded(action):
    entry = AuditEntry.objects.get(action=action)
    events = list(Event.objects.filter(type=action))
    assert len(events) == (1 if action in published_types() else 0)
    return entry, events[0] if events else None


def test_every_editable_model_of_these_apps_is_recorded(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in RECORDED_APPS or model._meta.label in NOT_HERE:
            continue
        editable = any(
            (
                model_admin.has_add_permission(request),
                model_admin.has_change_permission(request),
                model_admin.has_delete_permission(request),
            )
        )
        if editable:
            assert isinstance(model_admin, RecordedChangesAdmin), model._meta.label


def test_a_motif_edited_archived_and_deleted_by_support(
    staff, admin_user, territory, organisation, service
):
    motif = MotifFactory(territory=territory, service=service, organisations=[organisation])
    change(staff, motif, name="Accueil du public")
    entry, event = recorded("motif.updated")
    assert entry.actor == admin_user
    assert (entry.before["name"], entry.after["name"]) == (motif.name, "Accueil du public")
    assert event.payload["name"] == "Accueil du public"
    assert event.organisation_ids == [organisation.pk]

    now = timezone.localtime()
    change(staff, motif, archived_at_0=now.date().isoformat(), archived_at_1="08:00:00")
    recorded("motif.archived")

    staff.post(admin_url(motif, "delete"), {"post": "yes"})
    assert not Motif.objects.filter(pk=motif.pk).exists()
    entry, event = recorded("motif.deleted")
    assert entry.before["id"] == motif.pk and entry.after is None
    assert event.payload["id"] == motif.pk


def test_saving_without_a_change_records_nothing(staff, territory, organisation):
    change(staff, organisation)
    assert not AuditEntry.objects.exists() and not Event.objects.exists()


def test_an_organisation_and_a_user_record_edited_or_deleted_by_support(
    staff, territory, organisation
):
    change(staff, organisation, phone="04 75 11 22 33")
    entry, _ = recorded("organisation.updated")
    assert entry.after == {"phone": "04 75 11 22 33"}

    record = UserRecordFactory(territory=territory, last_name="Martin")
    record.organisations.set([organisation])
    change(staff, record, last_name="Dupont")
    recorded("user_record.updated")
    staff.post(admin_url(record, "delete"), {"post": "yes"})
    assert not UserRecord.objects.exists()
    _, event = recorded("user_record.deleted")
    assert event.payload["last_name"] == "Dupont"


def test_settings_and_custom_fields_edited_by_support(staff, territory):
    from rdv_settings.models import RdvSettings
    from user_records.models import UserRecordSettings

    rdv_settings = RdvSettings.objects.create(territory=territory)
    change(staff, rdv_settings, waiting_room_mode="none")
    entry, _ = recorded("rdv_settings.updated")
    assert entry.after == {"waiting_room_mode": "none"}
    staff.post(admin_url(rdv_settings, "delete"), {"post": "yes"})
    assert AuditEntry.objects.filter(action="rdv_settings.updated").count() == 2  # defaults

    hidden = UserRecordSettings.objects.create(territory=territory)
    change(staff, hidden, hidden_fields='["phone"]')
    recorded("user_record_settings.updated")

    field = CustomFieldFactory(territory=territory, label="Situation")
    change(staff, field, label="Situation familiale")
    recorded("custom_field.updated")


def test_services_switched_or_renamed_by_support(staff, territory, service):
    row = TerritoryService.objects.get(territory=territory, service=service)
    change(staff, row)  # unchanged
    data = admin_form_data(staff.get(admin_url(row)))
    data.pop("is_active")
    staff.post(admin_url(row), data)
    entry, event = recorded("service.deactivated")
    assert entry.after == {"is_active": False} and event.payload["id"] == service.pk

    unused = ServiceFactory(name="Insertion")
    change(staff, unused, name="Insertion professionnelle")  # active nowhere: no territory
    change(staff, service, name="Service social départemental")
    entry, event = recorded("service.updated")
    assert entry.territory == territory and event.payload["name"] == entry.after["name"]


def test_agents_roles_and_invitations_edited_by_support(
    staff, admin_user, territory, organisation, service, basic_agent
):
    role = AgentRole.objects.get(agent=basic_agent)
    change(staff, role, access_level="admin")
    entry, event = recorded("agent.updated")
    assert entry.object_id == str(basic_agent.pk) and entry.actor == admin_user
    assert event.payload["organisations"][0]["access_level"] == "admin"

    TerritoryAdmin.objects.create(agent=basic_agent, territory=territory)  # by a service…
    staff.post(admin_url(role, "delete"), {"post": "yes"})  # …then support removes the role
    assert AuditEntry.objects.filter(action="agent.updated").count() == 2
    admin_role = TerritoryAdmin.objects.get(agent=basic_agent)
    staff.post(admin_url(admin_role, "delete"), {"post": "yes"})
    recorded("agent.removed")  # nothing left in the territory

    newcomer = AgentFactory(email="dora@exemple.fr")
    AgentRoleFactory(agent=newcomer, organisation=organisation)  # (not through the admin)
    change(staff, newcomer, last_name="Nouvelle")
    entry = AuditEntry.objects.filter(action="agent.updated").latest("pk")
    assert entry.object_id == str(newcomer.pk) and entry.after == {"last_name": "Nouvelle"}

    invitation = InvitationFactory(
        territory=territory, organisations=[organisation], services=[service]
    )
    now = timezone.localtime()
    change(staff, invitation, revoked_at_0=now.date().isoformat(), revoked_at_1="08:00:00")
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    recorded("invitation.revoked")


def test_endpoints_disabled_by_support_are_audited_and_deliveries_resent(
    staff, admin_user, territory
):
    endpoint = EndpointFactory(territory=territory)
    data = admin_form_data(staff.get(admin_url(endpoint)))
    data.pop("enabled")
    staff.post(admin_url(endpoint), data)
    entry, _ = recorded("webhook_endpoint.disabled")
    assert entry.actor == admin_user

    delivery = DeliveryFactory(endpoint=endpoint, status=DeliveryStatus.FAILED)
    changelist = reverse("admin:webhooks_delivery_changelist")
    staff.post(changelist, {"action": "resend", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    entry, _ = recorded("webhook_delivery.resent")
    assert entry.actor == admin_user
    assert staff.post(admin_url(delivery, "delete"), {"post": "yes"}).status_code == 403


def test_a_bulk_deletion_records_each_object(staff, territory):
    records = UserRecordFactory.create_batch(2, territory=territory)
    changelist = reverse("admin:user_records_userrecord_changelist")
    staff.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [r.pk for r in records], "post": "yes"},
    )
    assert not UserRecord.objects.exists()
    assert AuditEntry.objects.filter(action="user_record.deleted").count() == 2


def test_rdvs_ranges_and_absences_edited_by_support(
    staff, territory, organisation, basic_agent, admin_agent
):
    rdv = rdv_with_agents(basic_agent, territory=territory, organisation=organisation)
    record = UserRecordFactory(territory=territory, last_name="Martin")
    later = timezone.localtime(rdv.starts_at) + timedelta(hours=2)
    change(
        staff,
        rdv,
        user_records=str(record.pk),
        starts_at_0=later.date().isoformat(),
        starts_at_1=later.time().isoformat(),
    )
    entry, event = recorded("rdv.updated")
    assert [r["last_name"] for r in entry.after["user_records"]] == ["Martin"]
    assert event.organisation_ids == [organisation.pk]
    # When and with whom change through rdvs.services only: the agents' copies agree.
    rdv.refresh_from_db()
    assert RdvAgent.objects.get(rdv=rdv).starts_at == rdv.starts_at != later
    assert admin_url(rdv, "delete") not in staff.get(admin_url(rdv)).text  # cancelled instead

    motif = MotifFactory(territory=territory, organisations=[organisation])
    first = AvailabilityRangeFactory(
        territory=territory,
        organisation=organisation,
        agent=basic_agent,
        motifs=[motif],
        title="Matin",
    )
    change(staff, first, title="Permanence du matin")
    entry, event = recorded("availability_range.updated")
    assert entry.after == {"title": "Permanence du matin"}
    assert event.organisation_ids == [organisation.pk]
    other_day = AvailabilityRangeFactory(
        territory=territory,
        organisation=organisation,
        agent=basic_agent,
        motifs=[motif],
        first_day=first.first_day + timedelta(days=1),
    )
    data = admin_form_data(staff.get(admin_url(other_day)))
    refused = staff.post(admin_url(other_day), {**data, "first_day": first.first_day.isoformat()})
    assert refused.status_code == 200
    assert "Cette plage chevauche une autre plage de l&#x27;agent" in refused.text
    staff.post(admin_url(first, "delete"), {"post": "yes"})
    assert list(AvailabilityRange.objects.all()) == [other_day]
    recorded("availability_range.deleted")

    absence = AbsenceFactory(territory=territory, agent=admin_agent, title="Congés")
    change(staff, absence, title="Formation")
    recorded("absence.updated")
    staff.post(admin_url(absence, "delete"), {"post": "yes"})
    assert not Absence.objects.exists()
    recorded("absence.deleted")
