# The availability ranges and absences move here from rdvs with their rows: the
# state gets the models, the database only renames their tables and indexes.

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (old name, new name): tables, then the indexes named after them in the state.
RENAMES = [
    ("TABLE", "rdvs_availabilityrange", "availability_availabilityrange"),
    ("TABLE", "rdvs_availabilityrange_motifs", "availability_availabilityrange_motifs"),
    ("TABLE", "rdvs_absence", "availability_absence"),
    ("INDEX", "rdvs_availa_organis_21417f_idx", "availabilit_organis_a5af15_idx"),
    ("INDEX", "rdvs_absenc_agent_i_c54c11_idx", "availabilit_agent_i_0ae881_idx"),
]
MOVED_MODELS = ["availabilityrange", "absence"]


def _relabel(apps, old: str, new: str) -> None:
    """Permissions, admin history and audit entries follow the models to their app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEntry = apps.get_model("territories", "AuditEntry")
    for model in MOVED_MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
        AuditEntry.objects.filter(object_type=f"{old}.{model}").update(
            object_type=f"{new}.{model}"
        )


def forwards(apps, schema_editor):
    _relabel(apps, "rdvs", "availability")


def backwards(apps, schema_editor):
    _relabel(apps, "availability", "rdvs")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('motifs', '0001_initial'),
        ('rdvs', '0003_availability'),
        ('territories', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[f"ALTER {kind} {old} RENAME TO {new}" for kind, old, new in RENAMES],
                    reverse_sql=[
                        f"ALTER {kind} {new} RENAME TO {old}" for kind, old, new in reversed(RENAMES)
                    ],
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name='Absence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(blank=True, max_length=200, verbose_name='intitulé')),
                        ('starts_at', models.DateTimeField(verbose_name='début')),
                        ('ends_at', models.DateTimeField(verbose_name='fin')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créée le')),
                        ('agent', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='absences', to=settings.AUTH_USER_MODEL, verbose_name='agent')),
                        ('territory', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='absences', to='territories.territory')),
                    ],
                    options={
                        'verbose_name': 'absence',
                        'ordering': ['starts_at'],
                        'indexes': [models.Index(fields=['agent', 'starts_at'], name='availabilit_agent_i_0ae881_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='absence_ends_after_start', violation_error_message="La fin de l'absence doit être après son début.")],
                    },
                ),
                migrations.CreateModel(
                    name='AvailabilityRange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(blank=True, max_length=200, verbose_name='intitulé')),
                        ('first_day', models.DateField(verbose_name='premier jour')),
                        ('start_time', models.TimeField(verbose_name='heure de début')),
                        ('end_time', models.TimeField(verbose_name='heure de fin')),
                        ('recurrence', models.CharField(choices=[('once', 'Une seule fois'), ('weekly', 'Toutes les semaines')], default='once', max_length=10, verbose_name='répétition')),
                        ('weekdays', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(choices=[(0, 'Lundi'), (1, 'Mardi'), (2, 'Mercredi'), (3, 'Jeudi'), (4, 'Vendredi'), (5, 'Samedi'), (6, 'Dimanche')]), blank=True, default=list, size=None, verbose_name='jours')),
                        ('every_n_weeks', models.PositiveSmallIntegerField(default=1, verbose_name='toutes les N semaines')),
                        ('until', models.DateField(blank=True, null=True, verbose_name="jusqu'au")),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créée le')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifiée le')),
                        ('agent', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='availability_ranges', to=settings.AUTH_USER_MODEL, verbose_name='agent')),
                        ('motifs', models.ManyToManyField(related_name='availability_ranges', to='motifs.motif', verbose_name='motifs')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='availability_ranges', to='territories.organisation', verbose_name='organisation')),
                        ('territory', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='availability_ranges', to='territories.territory')),
                    ],
                    options={
                        'verbose_name': "plage d'ouverture",
                        'verbose_name_plural': "plages d'ouverture",
                        'ordering': ['first_day', 'start_time'],
                        'indexes': [models.Index(fields=['organisation', 'agent'], name='availabilit_organis_a5af15_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('end_time__gt', models.F('start_time'))), name='range_ends_after_start', violation_error_message="L'heure de fin doit être après l'heure de début.")],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
