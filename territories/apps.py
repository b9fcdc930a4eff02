from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "territories"
    verbose_name = "Territoires"

    def ready(self) -> None:
        from territories import search  # noqa: F401  registers the `unaccented` lookup
