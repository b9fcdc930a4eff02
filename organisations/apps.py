from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    """The Services and Organisations sections (their models live in territories)."""

    name = "organisations"
    verbose_name = "Organisations et services"

    def ready(self) -> None:
        from territories.changes import register_actions
        from territories.sections import Section, register

        # A request to the support staff: audited, published to no webhook.
        register_actions(["service_request.created"])

        register(
            Section(
                "services",
                "Services",
                "services:section",
                "fr-icon-briefcase-line",
                "Activer ou désactiver les services disponibles dans l'espace.",
                order=60,
            ),
            Section(
                "organisations",
                "Organisations",
                "organisations:section",
                "fr-icon-building-line",
                "Consulter, modifier et ajouter les organisations de l'espace.",
                order=70,
            ),
        )
