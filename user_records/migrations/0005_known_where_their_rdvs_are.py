"""A user record is known in (followed by) every organisation where it has an RDV:
the records of existing RDVs are added to their organisations, so that agents keep
seeing the usagers they received once visibility follows the organisations."""

from django.db import migrations


def follow_where_rdvs_are(apps, schema_editor):
    Rdv = apps.get_model("rdvs", "Rdv")
    UserRecord = apps.get_model("user_records", "UserRecord")
    rdv_records = Rdv._meta.get_field("user_records")
    follows = UserRecord._meta.get_field("organisations")
    organisation = Rdv._meta.get_field("organisation").column
    q = schema_editor.quote_name
    # One statement, whatever the number of rows; pairs already there are kept.
    schema_editor.execute(
        f"INSERT INTO {q(follows.m2m_db_table())} "
        f"({q(follows.m2m_column_name())}, {q(follows.m2m_reverse_name())}) "
        f"SELECT DISTINCT link.{q(rdv_records.m2m_reverse_name())}, rdv.{q(organisation)} "
        f"FROM {q(rdv_records.m2m_db_table())} AS link "
        f"JOIN {q(Rdv._meta.db_table)} AS rdv ON rdv.id = link.{q(rdv_records.m2m_column_name())} "
        "ON CONFLICT DO NOTHING"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("user_records", "0004_search_indexes"),
        ("rdvs", "0002_initial"),
    ]

    operations = [migrations.RunPython(follow_where_rdvs_are, migrations.RunPython.noop)]
