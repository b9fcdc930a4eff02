from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo territory of `make run` (seed_demo): the top floor, it may use every app."""

    name = "demo"
    verbose_name = "Démonstration"
