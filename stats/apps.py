from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = "Statistiques"

    def ready(self) -> None:
        from territories.sections import Section, register

        register(
            Section(
                "statistics",
                "Statistiques",
                "stats:statistics",
                "fr-icon-line-chart-line",
                "Les RDV par semaine, la part prise en ligne, les annulations, les messages "
                "envoyés et les agents actifs.",
                order=90,
                is_configuration=False,
                admins_only=True,
            ),
        )
