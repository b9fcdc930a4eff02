from django.apps import AppConfig


class RdvSettingsConfig(AppConfig):
    name = "rdv_settings"
    verbose_name = "Fiches RDV"

    def ready(self) -> None:
        from territories.sections import Section, register

        register(
            Section(
                "rdv_settings",
                "Fiches RDV",
                "rdv_settings:section",
                "fr-icon-calendar-line",
                "Champ Contexte et notifications de la salle d'attente.",
                order=40,
            ),
        )
