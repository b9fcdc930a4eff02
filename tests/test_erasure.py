"""Erasure on request and minimisation: an agent with the right (or support staff in the
Django admin) deletes a person's record — RDVs kept anonymised, consumers told, the
journal left without the person's data — and what the journal and webhooks hold of
people is no more than needed."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from notifications.models import SentMessage
from notifications.retention import ERASED
from territories.models import AuditEntry
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    EndpointFactory,
    RdvFactory,
    UserRecordFactory,
)
from user_records import services
from user_records.models import UserRecord
from webhooks.models import Event

pytestmark = pytest.mark.usefixtures("in_territory")

PERSONAL = ("Dupont", "lea.dupont@exemple.fr", "+33612345678", "1985-02-03", "Très inquiète")


def lea(territory, organisation, admin_agent):
    record = services.create_user_record(
        territory,
        {
            "first_name": "Léa",
            "last_name": "Martin",
            "email": "lea.dupont@exemple.fr",
            "phone": "+33612345678",
            "birth_date": date(1985, 2, 3),
        },
        {},
        organisations=[organisation],
        acting_agent=admin_agent,
    )
    services.update_user_record(record, {"last_name": "Dupont"}, {}, acting_agent=admin_agent)
    rdv = RdvFactory(territory=territory, organisation=organisation, context="Très inquiète")
    rdv.user_records.set([record])
    # What the log of sent messages kept of her: her address and number.
    for channel, recipient in (("email", record.email), ("sms", record.phone)):
        SentMessage.objects.create(
            territory=territory,
            rdv=rdv,
            channel=channel,
            kind="rdv_created",
            summary="RDV confirmé",
            recipient=recipient,
        )
    return record, rdv


def journal_text(territory) -> str:
    entries = AuditEntry.objects.filter(territory=territory)
    return json.dumps([[e.before, e.after, e.object_repr] for e in entries])


def assert_erased(territory, record, rdv):
    assert not UserRecord.objects.filter(pk=record.pk).exists()
    rdv.refresh_from_db()
    assert list(rdv.user_records.all()) == [] and rdv.context == ""
    # The RDV page still says that two messages went, no longer to whom.
    assert list(rdv.sent_messages.values_list("recipient", flat=True)) == [ERASED, ERASED]
    text = journal_text(territory)
    assert not [value for value in PERSONAL if value in text], text
    deleted = AuditEntry.objects.get(action="user_record.deleted")
    assert deleted.object_id == str(record.pk)
    assert "last_name" in deleted.before["personal_fields"]
    event = Event.objects.get(type="user_record.deleted")
    assert event.payload["id"] == record.pk and event.reason == ""
    assert "email" not in event.payload and "phone" not in event.payload


def test_an_admin_erases_a_record_after_confirming(client, territory, organisation, admin_agent):
    EndpointFactory(territory=territory)
    record, rdv = lea(territory, organisation, admin_agent)
    client.force_login(admin_agent)
    detail = client.get(reverse("user_records:user_record_detail", args=[territory.pk, record.pk]))
    delete_url = reverse("user_records:delete", args=[territory.pk, record.pk])
    assert delete_url in detail.content.decode()
    confirm = client.get(delete_url).content.decode()
    assert "Son RDV est conservé, sans son nom" in confirm
    assert UserRecord.objects.filter(pk=record.pk).exists()  # nothing before the POST

    response = client.post(delete_url)
    assert response.status_code == 302
    assert_erased(territory, record, rdv)
    assert client.post(delete_url).status_code == 404  # gone


def test_a_basic_agent_may_not_erase(client, territory, organisation, admin_agent, basic_agent):
    record, _ = lea(territory, organisation, admin_agent)
    client.force_login(basic_agent)
    detail = client.get(reverse("user_records:user_record_detail", args=[territory.pk, record.pk]))
    delete_url = reverse("user_records:delete", args=[territory.pk, record.pk])
    assert delete_url not in detail.content.decode()
    assert client.post(delete_url).status_code == 403
    assert UserRecord.objects.filter(pk=record.pk).exists()


def test_an_organisation_admin_may_erase_only_records_of_their_organisations(
    client, territory, organisation, admin_agent
):
    from territories.models import AccessLevel
    from tests.factories import OrganisationFactory

    org_admin = AgentFactory()
    AgentRoleFactory(agent=org_admin, organisation=organisation, access_level=AccessLevel.ADMIN)
    mine, _ = lea(territory, organisation, admin_agent)
    shared = UserRecordFactory(territory=territory, organisations=[organisation])
    shared.organisations.add(OrganisationFactory(territory=territory))
    client.force_login(org_admin)
    assert (
        client.post(reverse("user_records:delete", args=[territory.pk, shared.pk])).status_code
        == 403
    )
    assert (
        client.post(reverse("user_records:delete", args=[territory.pk, mine.pk])).status_code == 302
    )


def test_support_staff_deletion_in_the_django_admin_takes_the_same_path(
    client, admin_user, territory, organisation, admin_agent
):
    record, rdv = lea(territory, organisation, admin_agent)
    client.force_login(admin_user)
    url = reverse("admin:user_records_userrecord_delete", args=[record.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert_erased(territory, record, rdv)
    assert AuditEntry.objects.get(action="user_record.deleted").actor == admin_user


# --- minimisation ---


def test_the_journal_says_which_fields_were_filled_not_their_values(
    territory, organisation, admin_agent
):
    record, _ = lea(territory, organisation, admin_agent)
    created = AuditEntry.objects.get(action="user_record.created")
    assert "lea.dupont@exemple.fr" not in json.dumps(created.after)
    assert {"email", "phone", "birth_date", "first_name"} <= set(created.after["personal_fields"])
    assert created.object_repr == f"Fiche usager n° {record.pk}"
    assert created.after["id"] == record.pk
    # The webhook event itself carries the record as the consumer needs it.
    assert Event.objects.get(type="user_record.created").payload["email"] == "lea.dupont@exemple.fr"


def test_webhook_payloads_leave_out_the_fields_the_territory_hides(
    territory, organisation, admin_agent
):
    services.set_hidden_fields(
        territory,
        ["notes", "birth_date", "case_number", "phone", "address"],
        acting_agent=admin_agent,
    )
    record, _ = lea(territory, organisation, admin_agent)
    services.update_user_record(record, {"notes": "Suivi RSA"}, {}, acting_agent=admin_agent)
    for event in Event.objects.filter(type__startswith="user_record."):
        assert not {"notes", "birth_date", "case_number", "phone", "address"} & set(event.payload)
        assert event.payload["email"] == "lea.dupont@exemple.fr"
