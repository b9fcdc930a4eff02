"""Migrations that move models between apps, or fill rows in, keep every row: a database
created before is migrated across them with rows in place, then checked through the new
models."""

from datetime import date, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from availability.models import Absence, AvailabilityRange
from rdvs.models import Rdv, RdvAgent
from territories.models import AgentRole, AgentService, AuditEntry, Organisation, TerritoryAdmin
from tests.factories import (
    AgentFactory,
    MotifFactory,
    OrganisationFactory,
    TerritoryFactory,
    rdv_with_agents,
)
from user_records.models import UserRecord

BEFORE_ROLES_MOVED = [("agents", "0004_agent_proconnect_sub"), ("territories", "0001_initial")]
BEFORE_AVAILABILITY_MOVED = ("rdvs", "0003_availability")


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_role_rows_survive_their_move_from_agents_to_territories():
    executor = migrate(BEFORE_ROLES_MOVED)
    try:
        old = executor.loader.project_state(BEFORE_ROLES_MOVED).apps
        territory = old.get_model("territories", "Territory").objects.create(name="Drôme")
        organisation = old.get_model("territories", "Organisation").objects.create(
            territory=territory, name="MDS de Valence"
        )
        service = old.get_model("territories", "Service").objects.create(name="Service social")
        agent = old.get_model("agents", "Agent").objects.create(email="lea@exemple.fr")
        admin = old.get_model("agents", "TerritoryAdmin").objects.create(
            agent=agent, territory=territory
        )
        role = old.get_model("agents", "AgentRole").objects.create(
            agent=agent, organisation=organisation, access_level="intervenant"
        )
        assignment = old.get_model("agents", "AgentService").objects.create(
            agent=agent, territory=territory, service=service
        )
        content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
            app_label="agents", model="agentrole"
        )[0]
    finally:
        migrate(latest())

    with scopes_disabled():
        assert AgentRole.objects.get(pk=role.pk).access_level == "intervenant"
        assert AgentRole.objects.get(pk=role.pk).organisation_id == organisation.pk
        assert TerritoryAdmin.objects.get(pk=admin.pk).territory_id == territory.pk
        assert AgentService.objects.get(pk=assignment.pk).service_id == service.pk
        assert AgentRole.objects.filter(agent_id=agent.pk).count() == 1
        # The table's id sequence came along: a new row gets the next number.
        second = Organisation.objects.create(territory_id=territory.pk, name="MDS de Romans")
        assert AgentRole.objects.create(agent_id=agent.pk, organisation=second).pk > role.pk
    moved = ContentType.objects.get(pk=content_type.pk)
    assert (moved.app_label, moved.model) == ("territories", "agentrole")


@pytest.mark.django_db(transaction=True)
def test_availability_rows_survive_their_move_from_rdvs_to_availability():
    territory = TerritoryFactory()
    organisation = OrganisationFactory(territory=territory)
    agent = AgentFactory()
    motifs = [MotifFactory(territory=territory, organisations=[organisation]) for _ in range(2)]
    try:
        # notifications' log links to RDVs: it is unapplied with the rdvs migrations.
        moving = {"rdvs", "availability", "notifications"}
        before = [node for node in latest() if node[0] not in moving]
        before.append(BEFORE_AVAILABILITY_MOVED)
        executor = migrate([*before, ("availability", None)])
        old = executor.loader.project_state(before).apps
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
        with scope(territory=territory):
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
        migrate(latest())  # the database is left as every other test expects it
    ContentType.objects.clear_cache()

    with scope(territory=territory):
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
            indexes = connection.introspection.get_constraints(
                cursor, AvailabilityRange._meta.db_table
            )
        assert {index.name for index in AvailabilityRange._meta.indexes} <= set(indexes)
        assert "range_ends_after_start" in indexes


BEFORE_RECORDS_FOLLOW_RDVS = ("user_records", "0003_record_ordering_tiebreak")


@pytest.mark.django_db(transaction=True)
def test_existing_rdvs_make_their_usagers_known_in_their_organisation():
    before = [node for node in latest() if node[0] != "user_records"]
    before.append(BEFORE_RECORDS_FOLLOW_RDVS)
    executor = migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        territory = old.get_model("territories", "Territory").objects.create(name="Drôme")
        organisation = old.get_model("territories", "Organisation")
        valence = organisation.objects.create(territory=territory, name="MDS de Valence")
        romans = organisation.objects.create(territory=territory, name="CCAS de Romans")
        service = old.get_model("territories", "Service").objects.create(name="Service social")
        motif = old.get_model("motifs", "Motif").objects.create(
            territory=territory, service=service, name="Accueil"
        )
        records = old.get_model("user_records", "UserRecord").objects
        booked = records.create(territory=territory, first_name="Léa", last_name="Martin")
        followed = records.create(territory=territory, first_name="Paul", last_name="Roux")
        followed.organisations.set([romans, valence])
        untouched = records.create(territory=territory, first_name="Zoé", last_name="Petit")
        untouched.organisations.set([romans])
        rdvs = old.get_model("rdvs", "Rdv").objects
        start = timezone.now()
        for _ in range(2):  # two RDVs there: one follow
            rdv = rdvs.create(
                territory=territory,
                organisation=valence,
                motif=motif,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
            )
            rdv.user_records.set([booked, followed])
    finally:
        migrate(latest())

    with scopes_disabled():
        follows = {
            record.first_name: sorted(o.name for o in record.organisations.all())
            for record in UserRecord.objects.all()
        }
    assert follows == {
        "Léa": ["MDS de Valence"],
        "Paul": ["CCAS de Romans", "MDS de Valence"],
        "Zoé": ["CCAS de Romans"],
    }


BEFORE_DUPLICATES = ("user_records", "0005_known_where_their_rdvs_are")


@pytest.mark.django_db(transaction=True)
def test_the_duplicates_already_among_the_records_are_flagged():
    from user_records.models import DuplicatePair

    before = [node for node in latest() if node[0] != "user_records"]
    before.append(BEFORE_DUPLICATES)
    executor = migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        territory = old.get_model("territories", "Territory").objects.create(name="Drôme")
        elsewhere = old.get_model("territories", "Territory").objects.create(name="Ardèche")
        records = old.get_model("user_records", "UserRecord").objects
        born = date(1990, 5, 14)
        first = records.create(
            territory=territory, first_name="Hélène", last_name="Durand", birth_date=born
        )
        twin = records.create(
            territory=territory, first_name="HELENE", last_name="durand", birth_date=born
        )
        records.create(  # same names, nothing else in common
            territory=territory, first_name="Hélène", last_name="Durand", email="h@exemple.fr"
        )
        same_phone = records.create(
            territory=territory, first_name="Paul", last_name="Roux", phone="+33612345678"
        )
        phone_twin = records.create(
            territory=territory, first_name="Paul", last_name="Roux", phone="06 12 34 56 78"
        )
        records.create(  # another territory
            territory=elsewhere, first_name="Hélène", last_name="Durand", birth_date=born
        )
    finally:
        migrate(latest())

    with scopes_disabled():
        pairs = {
            (pair.first_id, pair.second_id, pair.reason) for pair in DuplicatePair.objects.all()
        }
    assert pairs == {(first.pk, twin.pk, "birth_date"), (same_phone.pk, phone_twin.pk, "phone")}


BEFORE_UNIQUE_LABELS = ("user_records", "0007_notification_preferences")


@pytest.mark.django_db(transaction=True)
def test_live_custom_fields_sharing_a_label_are_told_apart_before_the_constraint():
    from user_records.models import CustomField

    before = [node for node in latest() if node[0] != "user_records"]
    before.append(BEFORE_UNIQUE_LABELS)
    executor = migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        territories = old.get_model("territories", "Territory").objects
        territory, elsewhere = territories.create(name="Drôme"), territories.create(name="Ain")
        fields = old.get_model("user_records", "CustomField").objects

        def field(label, key, position, **extra):
            return fields.create(
                territory=extra.pop("territory", territory),
                label=label,
                key=key,
                position=position,
                field_type="short_text",
                **extra,
            ).pk

        first = field("Situation élève", "a", 1)
        second = field("SITUATION ELEVE", "b", 2)
        third = field("situation élève", "c", 3)
        archived = field("Situation élève", "d", 4, archived_at=timezone.now())
        other = field("Situation élève", "e", 1, territory=elsewhere)
    finally:
        migrate(latest())

    with scopes_disabled():
        labels = dict(CustomField.objects.values_list("pk", "label"))
    assert labels[first] == "Situation élève"
    assert labels[second] == "SITUATION ELEVE (2)"
    assert labels[third] == "situation élève (3)"
    assert labels[archived] == labels[other] == "Situation élève"
