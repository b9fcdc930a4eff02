from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "territories"
    verbose_name = "Territoires"

    def ready(self) -> None:
        # Registers the journal's own purger beside the feature apps' ones.
        from territories import retention  # noqa: F401
