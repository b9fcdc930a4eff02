from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Every recorded change also becomes a webhook event, in the same transaction;
        # changes to the webhooks configuration itself are only audited.
        from territories.changes import register_actions, register_publisher
        from territories.sections import Section, register
        from webhooks.event_types import AUDIT_ONLY, KNOWN_TYPES
        from webhooks.events import publish

        register_publisher(publish, KNOWN_TYPES)
        register_actions(AUDIT_ONLY)
        from webhooks import retention  # noqa: F401  (registers its purger)

        register(
            Section(
                "webhooks",
                "Webhooks",
                "webhooks:section",
                "fr-icon-links-line",
                "Transmettre les événements de l'espace à vos logiciels.",
                order=20,
            )
        )
