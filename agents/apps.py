from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents"

    def ready(self) -> None:
        from territories.sections import Section, register

        register(
            Section(
                "agents",
                "Agents",
                "agents:section",
                "fr-icon-team-line",
                "Inviter des agents et gérer leurs services, organisations et droits.",
                order=10,
            ),
        )
