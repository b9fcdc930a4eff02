from django.apps import AppConfig


class RdvsConfig(AppConfig):
    name = "rdvs"
    verbose_name = "RDV"

    def ready(self) -> None:
        from agents.membership import register_guard
        from rdvs.queries import future_rdvs_refusal
        from territories.sections import Section, register

        register_guard(future_rdvs_refusal)
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
