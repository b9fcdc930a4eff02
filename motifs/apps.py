from django.apps import AppConfig


class MotifsConfig(AppConfig):
    name = "motifs"
    verbose_name = "Motifs"

    def ready(self) -> None:
        from territories.sections import Section, register

        register(
            Section(
                "motifs",
                "Motifs",
                "motifs:section",
                "fr-icon-list-unordered",
                "Créer les motifs de l'espace, la réservation en ligne et les instructions.",
                order=50,
            ),
        )
