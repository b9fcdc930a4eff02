"""Two live custom fields of a territory may no longer share a label (accents and case
aside). Existing duplicates are renamed first: the later ones (by position) get " (2)",
" (3)"… so the agents' form tells them apart; their keys, hence their values, are kept.
Also the French labels of the fields the Django admin shows."""

import django.db.models.deletion
from django.db import migrations, models

import territories.search
import user_records.models


def suffix_duplicate_labels(apps, schema_editor):
    CustomField = apps.get_model("user_records", "CustomField")
    fields = (
        CustomField._base_manager.filter(archived_at__isnull=True)
        .annotate(folded=territories.search.Fold("label"))
        .order_by("territory_id", "position", "pk")
    )
    taken: dict[int, set[str]] = {}
    renamed = []
    for field in fields:
        seen = taken.setdefault(field.territory_id, set())
        if field.folded not in seen:
            seen.add(field.folded)
            continue
        renamed.append(field)
    for field in renamed:
        seen = taken[field.territory_id]
        number = 2
        while True:
            suffix = f" ({number})"
            label = field.label[: 150 - len(suffix)] + suffix
            folded = (field.folded[: 150 - len(suffix)] + suffix).lower()
            if folded not in seen:
                break
            number += 1
        seen.add(folded)
        field.label = label
        field.save(update_fields=["label"])


class Migration(migrations.Migration):
    dependencies = [
        ("territories", "0004_audit_entry_object"),
        ("user_records", "0007_notification_preferences"),
    ]

    operations = [
        migrations.RunPython(suffix_duplicate_labels, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="customfield",
            constraint=models.UniqueConstraint(
                models.F("territory"),
                territories.search.Fold("label"),
                condition=models.Q(("archived_at__isnull", True)),
                name="unique_active_custom_field_label",
                violation_error_message=(
                    "Un champ personnalisé actif porte déjà ce libellé (majuscules et accents "
                    "mis à part) : choisissez un autre libellé."
                ),
            ),
        ),
        migrations.AlterField(
            model_name="customfield",
            name="territory",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="custom_fields",
                to="territories.territory",
                verbose_name="espace",
            ),
        ),
        migrations.AlterField(
            model_name="duplicatepair",
            name="first",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="user_records.userrecord",
                verbose_name="première fiche",
            ),
        ),
        migrations.AlterField(
            model_name="duplicatepair",
            name="second",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="user_records.userrecord",
                verbose_name="seconde fiche",
            ),
        ),
        migrations.AlterField(
            model_name="duplicatepair",
            name="territory",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="duplicate_pairs",
                to="territories.territory",
                verbose_name="espace",
            ),
        ),
        migrations.AlterField(
            model_name="userrecord",
            name="search_custom",
            field=models.GeneratedField(
                db_persist=True,
                expression=user_records.models.CustomSearchText(),
                output_field=models.TextField(),
                verbose_name="texte de recherche (champs personnalisés)",
            ),
        ),
        migrations.AlterField(
            model_name="userrecord",
            name="search_standard",
            field=models.GeneratedField(
                db_persist=True,
                expression=user_records.models.StandardSearchText(),
                output_field=models.TextField(),
                verbose_name="texte de recherche (champs standards)",
            ),
        ),
        migrations.AlterField(
            model_name="userrecord",
            name="territory",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="user_records",
                to="territories.territory",
                verbose_name="espace",
            ),
        ),
        migrations.AlterField(
            model_name="userrecordsettings",
            name="territory",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="user_record_settings",
                to="territories.territory",
                verbose_name="espace",
            ),
        ),
    ]
