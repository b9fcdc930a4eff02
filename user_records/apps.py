from django.apps import AppConfig


class UserRecordsConfig(AppConfig):
    name = "user_records"
    verbose_name = "Fiches usagers"

    def ready(self) -> None:
        from territories.changes import register_actions, register_personal_keys
        from territories.sections import Section, register
        from user_records.payloads import PERSONAL_KEYS

        # The journal says which of these changed, without copying them.
        register_personal_keys("user_record", PERSONAL_KEYS)
        # An agent's judgement on the duplicates screen, the retention period: nothing a
        # consumer holds changes.
        register_actions(["duplicate_pair.dismissed", "user_record_retention.updated"])
        # The nightly deletion of records past the territory's retention period.
        from user_records import retention  # noqa: F401

        register(
            Section(
                "user_records",
                "Fiches usagers",
                "user_records:section",
                "fr-icon-user-line",
                "Ajouter des champs personnalisés et masquer des champs standards.",
                order=30,
            ),
            Section(
                "records",
                "Usagers",
                "user_records:list",
                "fr-icon-user-line",
                "Rechercher, créer et modifier les fiches usagers.",
                order=20,
                is_configuration=False,
            ),
        )
