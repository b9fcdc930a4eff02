"""One record per person and the retention period (issue 16):

- the pairs of probable duplicates, and the identity index (folded names) that finds
  them; the pairs already among the territory's records are stored here, in one
  statement through that index (user_records/duplicates.py keeps them up to date);
- the territory's retention period (2 years by default), switched on by an admin;
- the index of records by last change, for the nightly retention clean-up."""

import django.db.models.deletion
import territories.search
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


FLAG_EXISTING_PAIRS = """
INSERT INTO user_records_duplicatepair (territory_id, first_id, second_id, reason, created_at)
SELECT a.territory_id, a.id, b.id,
    CASE WHEN a.birth_date = b.birth_date THEN 'birth_date'
         WHEN a.email <> '' AND lower(a.email) = lower(b.email) THEN 'email'
         ELSE 'phone' END,
    now()
FROM user_records_userrecord a
JOIN user_records_userrecord b
    ON b.territory_id = a.territory_id
    AND search_fold(b.last_name) = search_fold(a.last_name)
    AND search_fold(b.first_name) = search_fold(a.first_name)
    AND b.id > a.id
WHERE a.birth_date = b.birth_date
    OR (a.email <> '' AND lower(a.email) = lower(b.email))
    OR (length(phone_digits(a.phone)) >= 9
        AND right(phone_digits(a.phone), 9) = right(phone_digits(b.phone), 9))
ON CONFLICT DO NOTHING
"""


class Migration(migrations.Migration):
    # The indexes on user records are built CONCURRENTLY, while agents keep working.
    atomic = False

    dependencies = [
        ("territories", "0003_search_extensions"),
        ("user_records", "0005_known_where_their_rdvs_are"),
    ]

    operations = [
        migrations.CreateModel(
            name="DuplicatePair",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("birth_date", "Mêmes nom, prénom et date de naissance"),
                            ("email", "Mêmes nom, prénom et adresse e-mail"),
                            ("phone", "Mêmes nom, prénom et téléphone"),
                        ],
                        max_length=20,
                        verbose_name="raison",
                    ),
                ),
                (
                    "dismissed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="écarté le"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="détecté le")),
            ],
            options={
                "verbose_name": "doublon probable",
                "verbose_name_plural": "doublons probables",
                "ordering": ["-pk"],
            },
        ),
        migrations.AddField(
            model_name="userrecordsettings",
            name="retention_months",
            field=models.PositiveSmallIntegerField(
                choices=[(6, "6 mois"), (12, "1 an"), (24, "2 ans"), (36, "3 ans"), (60, "5 ans")],
                default=24,
                verbose_name="durée de conservation",
            ),
        ),
        migrations.AddField(
            model_name="userrecordsettings",
            name="retention_started_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="suppression automatique activée le"
            ),
        ),
        AddIndexConcurrently(
            model_name="userrecord",
            index=models.Index(
                models.F("territory"),
                territories.search.Fold("last_name"),
                territories.search.Fold("first_name"),
                name="user_record_identity",
            ),
        ),
        AddIndexConcurrently(
            model_name="userrecord",
            index=models.Index(fields=["territory", "updated_at"], name="user_record_last_change"),
        ),
        migrations.AddField(
            model_name="duplicatepair",
            name="first",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="user_records.userrecord",
            ),
        ),
        migrations.AddField(
            model_name="duplicatepair",
            name="second",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="user_records.userrecord",
            ),
        ),
        migrations.AddField(
            model_name="duplicatepair",
            name="territory",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="duplicate_pairs",
                to="territories.territory",
            ),
        ),
        migrations.AddIndex(
            model_name="duplicatepair",
            index=models.Index(
                condition=models.Q(("dismissed_at__isnull", True)),
                fields=["territory", "-id"],
                name="duplicate_pair_open",
            ),
        ),
        migrations.AddConstraint(
            model_name="duplicatepair",
            constraint=models.UniqueConstraint(
                fields=("first", "second"), name="unique_duplicate_pair"
            ),
        ),
        migrations.AddConstraint(
            model_name="duplicatepair",
            constraint=models.CheckConstraint(
                condition=models.Q(("first__lt", models.F("second"))), name="duplicate_pair_ordered"
            ),
        ),
        migrations.RunSQL(FLAG_EXISTING_PAIRS, migrations.RunSQL.noop),
    ]
