"""The role models arrive from the agents app (see agents/0005): the state takes them
over, the database already holds their renamed tables and rows. Their content types
follow, so that support staff's permissions and admin history stay attached."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["territoryadmin", "agentrole", "agentservice"]


def move_content_types(from_label: str, to_label: str):
    def move(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        taken = set(
            content_type.objects.filter(app_label=to_label, model__in=MODELS).values_list(
                "model", flat=True
            )
        )
        content_type.objects.filter(app_label=from_label, model__in=MODELS).exclude(
            model__in=taken
        ).update(app_label=to_label)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0005_move_roles_to_territories"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("territories", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TerritoryAdmin",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "agent",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="territory_admin_roles",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "territory",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="admin_roles",
                                to="territories.territory",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "administrateur d'espace",
                        "verbose_name_plural": "administrateurs d'espace",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("agent", "territory"), name="unique_territory_admin"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AgentRole",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "access_level",
                            models.CharField(
                                choices=[
                                    ("basic", "Basique"),
                                    ("admin", "Administrateur"),
                                    ("intervenant", "Intervenant"),
                                ],
                                default="basic",
                                max_length=20,
                                verbose_name="niveau d'accès",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "agent",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="roles",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agent_roles",
                                to="territories.organisation",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "rôle dans une organisation",
                        "verbose_name_plural": "rôles dans les organisations",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("agent", "organisation"), name="unique_agent_role"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AgentService",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "agent",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="service_assignments",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="agent_assignments",
                                to="territories.service",
                            ),
                        ),
                        (
                            "territory",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agent_services",
                                to="territories.territory",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "affectation à un service",
                        "verbose_name_plural": "affectations aux services",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("agent", "territory", "service"),
                                name="unique_agent_service",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            move_content_types("agents", "territories"),
            move_content_types("territories", "agents"),
        ),
    ]
