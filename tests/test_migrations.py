"""Migrations that move models between apps keep every row: a database created before
the move is migrated across it with rows in place, then checked through the new models."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scopes_disabled

BEFORE_ROLES_MOVED = [("agents", "0004_agent_proconnect_sub"), ("territories", "0001_initial")]


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

    from django.contrib.contenttypes.models import ContentType

    from territories.models import AgentRole, AgentService, Organisation, TerritoryAdmin

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
