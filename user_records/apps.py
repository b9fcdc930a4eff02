from django.apps import AppConfig


class UserRecordsConfig(AppConfig):
    name = "user_records"
    verbose_name = "Fiches usagers"

    def ready(self) -> None:
        from territories.sections import Section, register

        register(
            Section(
                "user_records",
                "Fiches usagers",
                "user_records:section",
                "fr-icon-user-line",
                "Ajouter des champs personnalisés et masquer des champs standards.",
                order=30,
            ),
            Section(
                "records",
                "Usagers",
                "user_records:list",
                "fr-icon-user-line",
                "Rechercher, créer et modifier les fiches usagers.",
                order=20,
                is_configuration=False,
            ),
        )
