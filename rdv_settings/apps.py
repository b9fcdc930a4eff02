from django.apps import AppConfig


class RdvSettingsConfig(AppConfig):
    name = "rdv_settings"
    verbose_name = "Fiches RDV"
