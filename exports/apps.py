from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Exports"

    def ready(self) -> None:
        from territories.changes import register_actions

        # Who took which data out of the territory: audited, published to no partner.
        register_actions(["export.requested", "export.downloaded"])
