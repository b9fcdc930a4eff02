from django.apps import AppConfig


class RdvspConfig(AppConfig):
    name = "rdvsp"
    verbose_name = "Format RDV Service Public"

    def ready(self) -> None:
        # The webhooks app sends the reference platform's shapes of objects it cannot
        # read itself (RDVs, availability ranges live above it): this app gives them.
        from rdvsp.documents import BUILDERS
        from webhooks.rdvsp import register_builder

        for model, builder in BUILDERS.items():
            register_builder(model, builder)
