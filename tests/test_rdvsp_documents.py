"""The reference platform's shapes of each object (RDV Service Public format), the one
table of subscriptions, and the organisation filter: what an endpoint in that format is
given as changes are recorded (tests/test_webhooks_rdvsp.py: the consumer's side)."""

import json
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents import services as agent_services
from motifs import services as motif_services
from rdvs import services as rdv_services
from rdvs.models import RdvStatus
from rdvsp.shapes import role_id
from territories.models import AgentRole
from tests.booking_helpers import public_motif, receiving_agent, weekly_range
from tests.factories import (
    EndpointFactory,
    OrganisationFactory,
    RdvSettingsFactory,
    UserRecordFactory,
    UserRecordSettingsFactory,
)
from tests.test_webhooks_rdvsp import rdvsp_endpoint, sent, tomorrow_at
from webhooks.event_types import RDVSP_EVENTS, RDVSP_NAMES, rdvsp_subscription
from webhooks.events import publish
from webhooks.models import Delivery

pytestmark = pytest.mark.usefixtures("in_territory")


# --- subscriptions and organisations -------------------------------------------------


def test_the_table_maps_only_to_reference_names_and_every_model_has_a_builder():
    from webhooks.event_types import KNOWN_TYPES
    from webhooks.rdvsp import _builders

    assert set(RDVSP_EVENTS) <= KNOWN_TYPES
    models = {model for parts in RDVSP_EVENTS.values() for model, _ in parts}
    assert {rdvsp_subscription(model) for model in models} == RDVSP_NAMES
    assert models <= set(_builders)


def test_subscriptions_and_the_organisation_filter_choose_what_leaves(
    territory, organisation, service, admin_agent
):
    second = OrganisationFactory(territory=territory)
    motif = public_motif(territory, organisation, service, name="Accueil")
    motif.organisations.add(second)
    everything = rdvsp_endpoint(territory, "https://a.exemple.fr/hook")
    only_second = rdvsp_endpoint(territory, "https://b.exemple.fr/hook")
    only_second.organisations.set([second])
    only_rdvs = rdvsp_endpoint(territory, "https://c.exemple.fr/hook", names=["rdv"])
    standard = EndpointFactory(territory=territory, event_types=["motif.*"])

    motif_services.update_motif(
        motif,
        {"name": "Accueil social"},
        organisations=[organisation, second],
        acting_agent=admin_agent,
    )

    # One motif shared by two organisations: once per organisation, with its id.
    assert sorted(b["data"]["organisation_id"] for b in sent(everything)) == sorted(
        [organisation.pk, second.pk]
    )
    assert [b["data"]["organisation_id"] for b in sent(only_second)] == [second.pk]
    assert sent(only_rdvs) == []
    assert Delivery.objects.get(endpoint=standard).body == ""  # the standard format


def test_a_motif_leaving_an_organisation_is_destroyed_there(
    territory, organisation, service, admin_agent
):
    second = OrganisationFactory(territory=territory)
    motif = public_motif(territory, organisation, service, name="Accueil")
    motif.organisations.add(second)
    endpoint = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["motif"])
    motif_services.update_motif(motif, {}, organisations=[organisation], acting_agent=admin_agent)
    assert [(b["meta"]["event"], b["data"]["organisation_id"]) for b in sent(endpoint)] == [
        ("updated", organisation.pk),
        ("destroyed", second.pk),
    ]


# --- shapes -----------------------------------------------------------------------------


def test_a_hidden_field_is_sent_as_null_and_the_context_only_while_shown(
    territory, organisation, service, admin_agent
):
    agent = receiving_agent(territory, organisation, service)
    motif = public_motif(territory, organisation, service)
    endpoint = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["rdv", "user"])
    UserRecordSettingsFactory(territory=territory, hidden_fields=["case_number", "notes"])
    settings = RdvSettingsFactory(territory=territory, context_enabled=False)
    record = UserRecordFactory(
        territory=territory, organisations=[organisation], case_number="D-1", notes="Suivi"
    )
    rdv = rdv_services.book(
        organisation,
        motif=motif,
        user_records=[record],
        agents=[agent],
        starts_at=tomorrow_at(9),
        ends_at=tomorrow_at(9, 45),
        acting_agent=admin_agent,
        context="Dossier sensible",
    )
    (booked,) = sent(endpoint)
    data = booked["data"]
    assert data["context"] is None
    assert data["users"][0]["case_number"] is None and data["users"][0]["notes"] is None
    assert data["duration_in_min"] == 45
    assert data["created_by"] == "agent" and data["created_by_id"] == admin_agent.pk
    assert data["participations"][0]["user"]["id"] == record.pk
    assert data["participations"][0]["status"] == "unknown"
    assert data["motif"]["organisation_id"] == organisation.pk
    assert data["lieu"] is None

    settings.context_enabled = True
    settings.save()
    rdv_services.set_status(rdv, RdvStatus.SEEN, acting_agent=admin_agent)
    updated = sent(endpoint)[-1]
    assert updated["meta"]["event"] == "updated"
    assert updated["data"]["status"] == "seen"
    assert updated["data"]["context"] == "Dossier sensible"


def test_a_destroyed_object_is_sent_as_it_was(territory, organisation, service, admin_agent):
    from availability import services as availability_services

    agent = receiving_agent(territory, organisation, service, first_name="Bob")
    motif = public_motif(territory, organisation, service)
    endpoint = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["plage_ouverture"])
    availability_range = weekly_range(
        agent,
        organisation,
        motif,
        date(2026, 12, 7),
        [0, 2],
        every_n_weeks=2,
        until=date(2027, 3, 1),
        title="Permanence",
    )
    availability_services.delete_availability_range(availability_range, acting_agent=admin_agent)
    (destroyed,) = sent(endpoint)
    assert destroyed["meta"] == {
        **destroyed["meta"],
        "model": "PlageOuverture",
        "event": "destroyed",
    }
    data = destroyed["data"]
    assert data["title"] == "Permanence"
    assert data["first_day"] == "2026-12-07"
    assert data["start_time"] == "09:00:00" and data["end_time"] == "12:00:00"
    assert data["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20270301T235959"
    assert data["agent"]["first_name"] == "Bob"
    assert data["organisation"]["id"] == organisation.pk
    assert [m["id"] for m in data["motifs"]] == [motif.pk]


def test_an_rdv_body_takes_the_same_queries_for_one_participant_as_for_many(
    territory, organisation, service, admin_agent
):
    from rdvsp.documents import BUILDERS
    from webhooks.rdvsp import Change

    agents = [receiving_agent(territory, organisation, service) for _ in range(6)]
    motif = public_motif(territory, organisation, service)

    def queries_for_body(hour, people, team):
        rdv = rdv_services.book(
            organisation,
            motif=motif,
            user_records=[
                UserRecordFactory(territory=territory, organisations=[organisation])
                for _ in range(people)
            ],
            agents=team,
            starts_at=tomorrow_at(hour),
            ends_at=tomorrow_at(hour, 30),
            acting_agent=admin_agent,
        )
        change = Change(territory, "rdv.updated", {"id": rdv.pk}, None)
        with CaptureQueriesContext(connection) as queries:
            (document,) = BUILDERS["Rdv"](change, "updated")
        assert len(document.data["participations"]) == people
        assert len(document.data["agents"]) == len(team)
        return len(queries.captured_queries)

    one = queries_for_body(9, 1, agents[:1])
    many = queries_for_body(10, 5, agents[1:])
    # The RDV, its agents, its participants, the hidden fields, the RDV settings.
    assert one == many == 5


# --- more shapes ---------------------------------------------------------------------


def test_an_agent_leaving_an_organisation_destroys_the_role_it_was_given(
    territory, organisation, service, admin_agent
):
    second = OrganisationFactory(territory=territory)
    # Someone else administers it: the agent may leave it.
    AgentRole.objects.create(agent=admin_agent, organisation=second, access_level="admin")
    agent = receiving_agent(territory, organisation, service)
    endpoint = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["agent_role"])

    def levels(**by_organisation):
        return {organisation: by_organisation.get("first"), second: by_organisation.get("second")}

    for chosen in (dict(first="basic", second="basic"), dict(first="basic", second="admin")):
        agent_services.update_agent(
            territory,
            agent,
            services=[service],
            levels=levels(**chosen),
            is_territory_admin=False,
            acting_agent=admin_agent,
        )
    agent_services.remove_agent(territory, agent, acting_agent=admin_agent)

    bodies = [
        (
            b["meta"]["event"],
            b["data"]["organisation"]["id"],
            b["data"]["access_level"],
            b["data"]["id"],
        )
        for b in sent(endpoint)
    ]
    in_second = role_id(agent.pk, second.pk)
    assert bodies == [
        ("created", second.pk, "basic", in_second),
        ("updated", second.pk, "admin", in_second),
        ("destroyed", organisation.pk, "basic", role_id(agent.pk, organisation.pk)),
        ("destroyed", second.pk, "admin", in_second),
    ]


def test_a_user_record_deleted_after_the_fact_is_destroyed_as_it_was(
    territory, organisation, admin_agent
):
    from territories.changes import record_change
    from user_records.payloads import user_record_payload

    endpoint = rdvsp_endpoint(
        territory, "https://a.exemple.fr/hook", names=["user", "user_profile"]
    )
    record = UserRecordFactory(
        territory=territory,
        organisations=[organisation],
        first_name="Alix",
        birth_date=date(1990, 5, 4),
    )
    payload = user_record_payload(record)
    record.delete()  # as the Django admin does: deleted first, recorded after
    record_change(
        territory,
        "user_record.deleted",
        None,
        acting_agent=admin_agent,
        payload=payload,
        organisations=[organisation],
        deleted=True,
    )
    profile, user = sent(endpoint)
    assert (profile["meta"]["model"], profile["meta"]["event"]) == ("UserProfile", "destroyed")
    assert profile["data"]["organisation"]["id"] == organisation.pk
    assert (user["meta"]["model"], user["meta"]["event"]) == ("User", "destroyed")
    assert user["data"]["first_name"] == "Alix" and user["data"]["birth_date"] == "1990-05-04"


def test_an_absence_carries_its_days_hours_and_the_agents_first_organisation(
    territory, organisation, service, admin_agent
):
    from availability import services as availability_services
    from availability.models import Absence

    second = OrganisationFactory(territory=territory)
    agent = receiving_agent(territory, organisation, service)
    AgentRole.objects.create(agent=agent, organisation=second)
    everything = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["absence"])
    only_second = rdvsp_endpoint(territory, "https://b.exemple.fr/hook", names=["absence"])
    only_second.organisations.set([second])
    paris = timezone.get_current_timezone()
    availability_services.save_absence(
        Absence(
            territory=territory,
            agent=agent,
            title="Formation",
            starts_at=datetime(2026, 12, 14, 13, 30, tzinfo=paris),
            ends_at=datetime(2026, 12, 16, 17, 0, tzinfo=paris),
        ),
        acting_agent=admin_agent,
    )
    (body,) = sent(everything)
    assert body["data"] | {"agent": None} == {
        "id": body["data"]["id"],
        "title": "Formation",
        "first_day": "2026-12-14",
        "end_day": "2026-12-16",
        "start_time": "13:30:00",
        "end_time": "17:00:00",
        "agent": None,
        "organisation": body["data"]["organisation"],
        "rrule": None,
    }
    assert body["data"]["organisation"]["id"] == organisation.pk
    assert body["data"]["agent"]["id"] == agent.pk
    (restricted,) = sent(only_second)
    assert restricted["data"]["organisation"]["id"] == second.pk


def test_without_an_endpoint_in_that_format_an_event_costs_one_query(territory, organisation):
    from webhooks.events import new_delivery
    from webhooks.models import Event
    from webhooks.rdvsp import Change, deliveries_for

    EndpointFactory(territory=territory)  # Standard Webhooks
    event = Event.objects.create(territory=territory, type="rdv.updated", payload={"id": 1})
    with CaptureQueriesContext(connection) as queries:
        assert (
            deliveries_for(event, Change(territory, "rdv.updated", {"id": 1}, None), new_delivery)
            == []
        )
    assert len(queries.captured_queries) == 1


def test_a_deletion_at_the_end_of_the_retention_period_says_rgpd(territory, organisation):
    endpoint = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["user"])
    record = UserRecordFactory(territory=territory, organisations=[organisation])
    from territories.audit import json_safe
    from user_records.payloads import user_record_payload

    publish(
        territory,
        "user_record.deleted",
        json_safe(user_record_payload(record)),
        organisations=[organisation],
        reason="rgpd",
    )
    (body,) = sent(endpoint)
    assert body["meta"]["event"] == "destroyed" and body["meta"]["webhook_reason"] == "rgpd"


def test_one_endpoint_can_be_sent_an_object_as_created_alone(territory, organisation, service):
    """What a backfill does: the object as it is now, to that endpoint only."""
    from motifs.payloads import motif_payload
    from territories.audit import json_safe
    from webhooks.events import new_delivery
    from webhooks.models import Event
    from webhooks.rdvsp import Change, deliveries_for

    second = OrganisationFactory(territory=territory)
    motif = public_motif(territory, organisation, service)
    motif.organisations.add(second)
    chosen = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["motif"])
    rdvsp_endpoint(territory, "https://b.exemple.fr/hook", names=["motif"])
    payload = json_safe(motif_payload(motif))
    event = Event.objects.create(territory=territory, type="motif.created", payload=payload)
    deliveries = deliveries_for(
        event, Change(territory, event.type, payload, None), new_delivery, endpoints=[chosen]
    )
    assert {d.endpoint_id for d in deliveries} == {chosen.pk}
    bodies = [json.loads(d.body) for d in deliveries]
    assert sorted(b["data"]["organisation_id"] for b in bodies) == sorted(
        [organisation.pk, second.pk]
    )
    assert {b["meta"]["event"] for b in bodies} == {"created"}


def test_each_body_keeps_the_object_as_it_was_at_its_change(
    territory, organisation, service, admin_agent
):
    motif = public_motif(territory, organisation, service, name="Accueil")
    endpoint = rdvsp_endpoint(territory, "https://a.exemple.fr/hook", names=["motif"])
    for name in ("Accueil social", "Accueil des familles"):
        motif_services.update_motif(
            motif, {"name": name}, organisations=[organisation], acting_agent=admin_agent
        )
    # Nothing was sent yet: the first body still says what the first change made.
    first, second = sent(endpoint)
    assert first["data"]["name"] == "Accueil social"
    assert second["data"]["name"] == "Accueil des familles"
    assert first["meta"]["timestamp"] < second["meta"]["timestamp"]
