"""The role models (TerritoryAdmin, AgentRole, AgentService) move to the territories app,
the ground floor that tenancy and permissions live on. Their rows stay where they are:
the tables are only renamed, then territories/0002 takes the models over in the state."""

from django.db import migrations

MOVED = {
    "territoryadmin": "territories_territoryadmin",
    "agentrole": "territories_agentrole",
    "agentservice": "territories_agentservice",
}


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0004_agent_proconnect_sub"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name=name, table=table) for name, table in MOVED.items()
            ],
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
        ),
    ]
