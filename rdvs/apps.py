from django.apps import AppConfig


class RdvsConfig(AppConfig):
    name = "rdvs"
    verbose_name = "RDV"

    def ready(self) -> None:
        from agents.membership import register_guard
        from rdvs.queries import future_rdvs_refusal
        from territories.changes import register_personal_keys
        from territories.sections import Section, register

        # The usagers' names and the internal context are not copied into the journal.
        register_personal_keys("rdv", ["user_records", "internal"])

        register_guard(future_rdvs_refusal)
        from rdvs import retention  # noqa: F401  (registers its purger)

        register(
            Section(
                "agenda",
                "Agenda des RDV",
                "rdvs:agenda_day",
                "fr-icon-calendar-event-line",
                "Vos RDV du jour et de la semaine, la salle d'attente.",
                order=10,
                is_configuration=False,
            ),
        )
