"""Availability ranges and absences moved from rdvs to their own app: a database made
before the move keeps every row (ranges with their motifs, absences, RDVs)."""

from datetime import date, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from availability.models import Absence, AvailabilityRange
from rdvs.models import Rdv, RdvAgent
from territories.models import AuditEntry
from tests.factories import (
    AgentFactory,
    MotifFactory,
    OrganisationFactory,
    TerritoryFactory,
    rdv_with_agents,
)

BEFORE_THE_MOVE = ("rdvs", "0003_availability")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _before_the_move():
    """Every app at its latest migration, except rdvs just before the move and the
    availability app not yet there."""
    return [node for node in _latest() if node[0] not in {"rdvs", "availability"}] + [
        BEFORE_THE_MOVE
    ]


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_rows():
    territory = TerritoryFactory()
    organisation = OrganisationFactory(territory=territory)
    agent = AgentFactory()
    motifs = [MotifFactory(territory=territory, organisations=[organisation]) for _ in range(2)]
    try:
        executor = _migrate(_before_the_move() + [("availability", None)])
        old = executor.loader.project_state(_before_the_move()).apps
        OldRange = old.get_model("rdvs", "AvailabilityRange")
        OldAbsence = old.get_model("rdvs", "Absence")
        old_range = OldRange.objects.create(
            territory_id=territory.pk,
            organisation_id=organisation.pk,
            agent_id=agent.pk,
            title="Permanence du lundi",
            first_day=date(2030, 3, 4),
            start_time=time(9, 0),
            end_time=time(12, 0),
            recurrence="weekly",
            weekdays=[0, 3],
            every_n_weeks=2,
            until=date(2030, 6, 30),
        )
        old_range.motifs.set([m.pk for m in motifs])
        starts_at = timezone.now().replace(microsecond=0) + timedelta(days=3)
        old_absence = OldAbsence.objects.create(
            territory_id=territory.pk,
            agent_id=agent.pk,
            title="Formation",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=4),
        )
        rdv = rdv_with_agents(agent, territory=territory, organisation=organisation)
        AuditEntry.objects.create(
            territory=territory,
            action="availability_range.created",
            object_type="rdvs.availabilityrange",
            object_id=str(old_range.pk),
        )
        ContentType.objects.clear_cache()
        ContentType.objects.get_or_create(app_label="rdvs", model="availabilityrange")
    finally:
        _migrate(_latest())  # the database is left as every other test expects it
    ContentType.objects.clear_cache()

    moved = AvailabilityRange.objects.get()
    assert (moved.pk, moved.title, moved.agent, moved.organisation) == (
        old_range.pk,
        "Permanence du lundi",
        agent,
        organisation,
    )
    assert (moved.weekdays, moved.every_n_weeks, moved.until) == ([0, 3], 2, date(2030, 6, 30))
    assert sorted(m.pk for m in moved.motifs.all()) == sorted(m.pk for m in motifs)
    absence = Absence.objects.get()
    assert (absence.pk, absence.title, absence.starts_at) == (
        old_absence.pk,
        "Formation",
        starts_at,
    )
    assert Rdv.objects.get() == rdv
    assert list(RdvAgent.objects.values_list("agent_id", flat=True)) == [agent.pk]
    # Permissions and history follow the model to its app.
    assert ContentType.objects.get_for_model(AvailabilityRange).app_label == "availability"
    assert not ContentType.objects.filter(app_label="rdvs", model="availabilityrange").exists()
    assert AuditEntry.objects.get().object_type == "availability.availabilityrange"
    # New rows go on from the old ones, constraints and indexes included.
    newer = AvailabilityRange.objects.create(
        territory=territory,
        organisation=organisation,
        agent=agent,
        first_day=date(2030, 3, 5),
        start_time=time(14, 0),
        end_time=time(17, 0),
    )
    assert newer.pk > moved.pk
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, AvailabilityRange._meta.db_table)
    assert {index.name for index in AvailabilityRange._meta.indexes} <= set(indexes)
    assert "range_ends_after_start" in indexes
