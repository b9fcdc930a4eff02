from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "availability"
    verbose_name = "Plages d'ouverture et absences"

    def ready(self) -> None:
        from territories.sections import Section, register

        register(
            Section(
                "availability",
                "Plages d'ouverture",
                "availability:availability_range_list",
                "fr-icon-time-line",
                "Vos plages d'ouverture et vos absences.",
                order=30,
                is_configuration=False,
            ),
        )
