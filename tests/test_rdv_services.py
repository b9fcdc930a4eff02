"""RDV writes by agents: RdvAgent copies, overlap refusal (also under a real race),
status changes, cancellation, events."""

import threading
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from motifs.eligibility import motifs_for
from rdvs import services
from rdvs.models import Rdv, RdvAgent, RdvStatus
from territories.errors import Conflict
from territories.models import AuditEntry
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    MotifFactory,
    OrganisationFactory,
    RdvSettingsFactory,
    TerritoryServiceFactory,
)
from tests.rdv_setup import usable_motif, usager
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

TOMORROW_MORNING = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
    days=1
)


def create(organisation, motif, agents, starts_at=TOMORROW_MORNING, minutes=30, **kwargs):
    return services.book(
        organisation,
        motif=motif,
        user_records=[usager(organisation.territory)],
        agents=agents,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        acting_agent=agents[0],
        **kwargs,
    )


@pytest.fixture
def motif(territory, organisation, service, admin_agent, basic_agent):
    return usable_motif(territory, organisation, service, admin_agent, basic_agent)


def test_create_copies_times_to_each_agent_and_publishes(
    organisation, motif, admin_agent, basic_agent
):
    rdv = create(organisation, motif, [admin_agent, basic_agent], context="Vient avec sa fille")
    links = RdvAgent.objects.filter(rdv=rdv)
    assert {link.agent for link in links} == {admin_agent, basic_agent}
    assert all(link.starts_at == rdv.starts_at and link.holds_time for link in links)
    event = Event.objects.get(type="rdv.created")
    assert event.organisation_ids == [organisation.pk]
    assert event.payload["id"] == rdv.pk


def test_an_overlapping_rdv_of_the_same_agent_is_refused_in_french(
    organisation, motif, admin_agent, basic_agent
):
    create(organisation, motif, [admin_agent])
    with pytest.raises(Conflict) as refused:
        create(
            organisation,
            motif,
            [basic_agent, admin_agent],
            TOMORROW_MORNING + timedelta(minutes=15),
        )
    assert refused.value.message == "Cet agent a déjà un RDV sur ce créneau."
    assert Rdv.objects.count() == 1  # nothing half-saved
    create(organisation, motif, [basic_agent], TOMORROW_MORNING + timedelta(minutes=15))


def test_two_simultaneous_submissions_for_one_agent_cannot_both_succeed(
    transactional_db, territory, organisation, service, admin_agent
):
    motif = usable_motif(territory, organisation, service, admin_agent)
    first_inserted = threading.Event()
    outcomes = {}

    def submit(name, wait_for_other):
        try:
            with scopes_disabled():
                if wait_for_other:
                    first_inserted.wait(5)
                    create(
                        organisation, motif, [admin_agent], TOMORROW_MORNING + timedelta(minutes=10)
                    )
                else:
                    with transaction.atomic():  # holds its row uncommitted for a while
                        create(organisation, motif, [admin_agent])
                        first_inserted.set()
                        threading.Event().wait(0.5)
            outcomes[name] = "created"
        except Conflict as error:
            outcomes[name] = [error.message]
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=submit, args=("first", False)),
        threading.Thread(target=submit, args=("second", True)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == {"first": "created", "second": ["Cet agent a déjà un RDV sur ce créneau."]}
    assert Rdv.objects.count() == 1


def test_excused_or_cancelled_rdvs_free_the_slot_and_cannot_come_back_over_another(
    organisation, motif, admin_agent
):
    rdv = create(organisation, motif, [admin_agent])
    services.set_status(rdv, RdvStatus.EXCUSED, acting_agent=admin_agent)
    assert not RdvAgent.objects.get(rdv=rdv).holds_time
    assert Event.objects.filter(type="rdv.updated").count() == 1
    create(organisation, motif, [admin_agent])  # the freed slot is taken again
    with pytest.raises(Conflict):
        services.set_status(rdv, RdvStatus.UNKNOWN, acting_agent=admin_agent)
    rdv.refresh_from_db()
    assert rdv.status == RdvStatus.EXCUSED


def test_cancel_records_when_and_publishes_rdv_cancelled(organisation, motif, admin_agent):
    rdv = create(organisation, motif, [admin_agent])
    services.cancel(rdv, acting_agent=admin_agent)
    rdv.refresh_from_db()
    assert rdv.status == RdvStatus.CANCELLED and rdv.cancelled_at is not None
    assert not RdvAgent.objects.get(rdv=rdv).holds_time
    assert Event.objects.get(type="rdv.cancelled").payload["status"] == "cancelled"
    services.set_status(rdv, RdvStatus.SEEN, acting_agent=admin_agent)
    rdv.refresh_from_db()
    assert rdv.cancelled_at is None and RdvAgent.objects.get(rdv=rdv).holds_time


def test_update_moves_the_agents_times_and_swaps_agents(
    organisation, motif, admin_agent, basic_agent
):
    rdv = create(organisation, motif, [admin_agent])
    later = TOMORROW_MORNING + timedelta(hours=2)
    services.update(
        rdv,
        motif=motif,
        user_records=list(rdv.user_records.all()),
        agents=[basic_agent],
        starts_at=later,
        ends_at=later + timedelta(minutes=45),
        acting_agent=admin_agent,
    )
    link = RdvAgent.objects.get(rdv=rdv)
    assert (link.agent, link.starts_at, link.ends_at) == (
        basic_agent,
        later,
        later + timedelta(minutes=45),
    )
    assert (
        Event.objects.get(type="rdv.updated")
        .payload["ends_at"]
        .startswith(str((later + timedelta(minutes=45)).date()))
    )


def test_webhook_payload_keeps_the_context_internal_and_only_while_switched_on(
    territory, organisation, motif, admin_agent
):
    settings = RdvSettingsFactory(territory=territory, context_enabled=True)
    create(organisation, motif, [admin_agent], context="Situation de handicap")
    payload = Event.objects.get(type="rdv.created").payload
    assert payload["internal"] == {"context": "Situation de handicap"}
    assert "context" not in {key for key in payload if key != "internal"}
    assert "Situation de handicap" not in str({k: v for k, v in payload.items() if k != "internal"})

    settings.context_enabled = False
    settings.save()
    rdv = Rdv.objects.get()
    services.set_status(rdv, RdvStatus.SEEN, acting_agent=admin_agent)
    assert Event.objects.get(type="rdv.updated").payload["internal"] == {}


def test_motifs_for_an_agent_follow_services_organisations_and_archiving(
    territory, organisation, service, admin_agent, basic_agent
):
    usable = usable_motif(territory, organisation, service, admin_agent)
    MotifFactory(
        territory=territory,
        service=service,
        organisations=[organisation],
        archived_at=timezone.now(),
    )
    other_org = OrganisationFactory(territory=territory)
    AgentRoleFactory(agent=admin_agent, organisation=other_org)
    MotifFactory(territory=territory, service=service, organisations=[other_org])
    inactive = TerritoryServiceFactory(territory=territory, is_active=False).service
    usable_motif(territory, organisation, inactive, admin_agent)
    assert list(motifs_for(admin_agent, organisation)) == [usable]
    assert list(motifs_for(basic_agent, organisation)) == []  # not assigned to the service
    assert list(motifs_for(AgentFactory(), organisation)) == []


def test_every_rdv_write_leaves_an_audit_entry_with_its_author(
    organisation, motif, admin_agent, basic_agent
):
    rdv = create(organisation, motif, [admin_agent])
    services.set_status(rdv, RdvStatus.SEEN, acting_agent=basic_agent)
    entries = list(AuditEntry.objects.filter(object_id=str(rdv.pk)).order_by("pk"))
    assert [(e.action, e.actor) for e in entries] == [
        ("rdv.created", admin_agent),
        ("rdv.updated", basic_agent),
    ]
    assert entries[1].before["status"] == "unknown"
    assert entries[1].after["status"] == "seen"
