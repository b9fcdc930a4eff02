# Availability ranges and absences now belong to the availability app, which took
# over their tables (availability/migrations/0001_initial.py): state only here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('availability', '0001_initial'),
        ('rdvs', '0003_availability'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Absence'),
                migrations.DeleteModel(name='AvailabilityRange'),
            ],
        ),
    ]
