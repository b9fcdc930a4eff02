from django.apps import AppConfig


class UserRecordsConfig(AppConfig):
    name = "user_records"
    verbose_name = "Fiches usagers"
