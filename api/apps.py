from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API partenaires"

    def ready(self) -> None:
        from api import schema  # noqa: F401  (registers the token scheme in the OpenAPI)
        from api.backfill_sources import register_backfill_sources
        from territories.changes import register_actions

        # A token's life is audited; no partner is told about another's keys.
        register_actions(["api_token.created", "api_token.revoked"])
        register_backfill_sources()
