"""The seven sections of the help page, in its order: dashboard tiles and side navigation."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    url_name: str
    icon: str
    summary: str

    def url(self, territory) -> str:
        return reverse(self.url_name, kwargs={"territory_pk": territory.pk})


SECTIONS = [
    Section(
        "agents",
        "Agents",
        "agents:section",
        "fr-icon-team-line",
        "Inviter des agents et gérer leurs services, organisations et droits.",
    ),
    Section(
        "webhooks",
        "Webhooks",
        "webhooks:section",
        "fr-icon-links-line",
        "Transmettre les événements de l'espace à vos logiciels.",
    ),
    Section(
        "user_records",
        "Fiches usagers",
        "user_records:section",
        "fr-icon-user-line",
        "Ajouter des champs personnalisés et masquer des champs standards.",
    ),
    Section(
        "rdv_settings",
        "Fiches RDV",
        "rdv_settings:section",
        "fr-icon-calendar-line",
        "Champ Contexte et notifications de la salle d'attente.",
    ),
    Section(
        "motifs",
        "Motifs",
        "motifs:section",
        "fr-icon-list-unordered",
        "Créer les motifs de l'espace, la réservation en ligne et les instructions.",
    ),
    Section(
        "services",
        "Services",
        "territories:services",
        "fr-icon-briefcase-line",
        "Activer ou désactiver les services disponibles dans l'espace.",
    ),
    Section(
        "organisations",
        "Organisations",
        "territories:organisations",
        "fr-icon-building-line",
        "Consulter, modifier et ajouter les organisations de l'espace.",
    ),
]


# The agents' daily screens, for every member of the territory (admins included).
AGENT_SCREENS = [
    Section(
        "agenda",
        "Agenda des RDV",
        "rdvs:agenda_day",
        "fr-icon-calendar-event-line",
        "Vos RDV du jour et de la semaine, la salle d'attente.",
    ),
    Section(
        "records",
        "Usagers",
        "user_records:list",
        "fr-icon-user-line",
        "Rechercher, créer et modifier les fiches usagers.",
    ),
    Section(
        "availability",
        "Plages d'ouverture",
        "availability:availability_range_list",
        "fr-icon-time-line",
        "Vos plages d'ouverture et vos absences.",
    ),
]
