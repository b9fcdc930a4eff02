"""Two live custom fields of a territory may no longer share a label (accents and case
aside). Existing duplicates are renamed first: the later ones (by position) get " (2)",
" (3)"… so the agents' form tells them apart; their keys, hence their values, are kept."""

from django.db import migrations, models

import territories.search


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
    ]
