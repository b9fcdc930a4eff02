from django.db import migrations, models


class Migration(migrations.Migration):
    """Intervenants may have no e-mail: they never log in."""

    dependencies = [("agents", "0005_move_roles_to_territories")]

    operations = [
        migrations.AlterField(
            model_name="agent",
            name="email",
            field=models.EmailField(
                blank=True, max_length=254, null=True, unique=True, verbose_name="adresse e-mail"
            ),
        ),
    ]
