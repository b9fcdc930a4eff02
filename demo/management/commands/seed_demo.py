"""The demo territory: idempotent, `make run` calls it every time."""

from datetime import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from agents.models import Agent
from availability.models import AvailabilityRange, Recurrence
from motifs.models import LocationType, Motif
from territories.models import (
    AccessLevel,
    AgentRole,
    AgentService,
    Organisation,
    Service,
    Territory,
    TerritoryAdmin,
    TerritoryService,
)

DEMO_PASSWORD = "demo-rdv-2026"  # noqa: S105  documented demo login, development only

SERVICES = [
    ("Service social", "SSD"),
    ("Protection maternelle et infantile", "PMI"),
    ("Aide sociale à l'enfance", "ASE"),
    ("Insertion", "RSA"),
    ("Secrétariat", "SEC"),
    ("Conseiller numérique", "CNFS"),
    ("Mairie", "MAIRIE"),
]
ACTIVE_IN_DEMO = {
    "Service social",
    "Protection maternelle et infantile",
    "Insertion",
    "Secrétariat",
}

ORGANISATIONS = [
    {
        "name": "Maison des solidarités de Valence",
        "address": "8 rue Baudin, 26000 Valence",
        "phone": "04 75 79 70 00",
        "email": "mds-valence@demo.rdv-territoire.fr",
        "opening_hours": "Du lundi au vendredi, de 8 h 30 à 12 h et de 13 h 30 à 17 h",
    },
    {
        "name": "Maison des solidarités de Romans-sur-Isère",
        "address": "2 place Jean Jaurès, 26100 Romans-sur-Isère",
        "phone": "04 75 70 80 00",
        "email": "mds-romans@demo.rdv-territoire.fr",
        "opening_hours": "Du lundi au vendredi, de 9 h à 12 h et de 14 h à 17 h",
    },
    {
        "name": "Centre médico-social de Montélimar",
        "address": "1 avenue Saint-Martin, 26200 Montélimar",
        "phone": "04 75 00 10 00",
        "email": "cms-montelimar@demo.rdv-territoire.fr",
        "opening_hours": "Du lundi au jeudi, de 8 h 30 à 17 h",
    },
]

PEOPLE = [
    # email, first name, last name, territory admin?, access level, services
    (
        "admin@demo.rdv-territoire.fr",
        "Léa",
        "Martin",
        True,
        AccessLevel.ADMIN,
        ["Service social", "Secrétariat"],
    ),
    (
        "agent@demo.rdv-territoire.fr",
        "Karim",
        "Benali",
        False,
        AccessLevel.BASIC,
        ["Service social"],
    ),
    (
        "pmi@demo.rdv-territoire.fr",
        "Élodie",
        "Rousseau",
        False,
        AccessLevel.BASIC,
        ["Protection maternelle et infantile"],
    ),
    (
        "insertion@demo.rdv-territoire.fr",
        "Jean",
        "Faure",
        False,
        AccessLevel.INTERVENANT,
        ["Insertion"],
    ),
]


class Command(BaseCommand):
    help = "Crée (ou complète) le territoire de démonstration « Drôme »."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            # It creates a superuser whose password is published in the README.
            raise CommandError(
                "seed_demo ne s'exécute qu'en développement (DEBUG=True) : il crée des "
                "comptes, dont un compte support, au mot de passe publié."
            )
        with scopes_disabled():
            territory = self._seed()
        self.stdout.write(self.style.SUCCESS(f"Territoire de démonstration prêt : {territory}"))

    def _seed(self) -> Territory:
        services = {}
        for name, short in SERVICES:
            services[name], _ = Service.objects.get_or_create(
                name=name, defaults={"short_name": short}
            )
        territory, _ = Territory.objects.get_or_create(
            name="Drôme", defaults={"departement_number": "26"}
        )
        for name in ACTIVE_IN_DEMO:
            TerritoryService.objects.get_or_create(territory=territory, service=services[name])
        organisations = [
            Organisation.objects.get_or_create(
                territory=territory, name=data["name"], defaults=data
            )[0]
            for data in ORGANISATIONS
        ]
        for email, first, last, is_admin, level, service_names in PEOPLE:
            agent = Agent.objects.filter(email=email).first()
            if agent is None:
                agent = Agent.objects.create_user(
                    email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
                )
            if is_admin:
                TerritoryAdmin.objects.get_or_create(agent=agent, territory=territory)
            for organisation in organisations:
                AgentRole.objects.get_or_create(
                    agent=agent, organisation=organisation, defaults={"access_level": level}
                )
            for name in service_names:
                AgentService.objects.get_or_create(
                    agent=agent, territory=territory, service=services[name]
                )
        self._seed_daily_work(territory, organisations[0], services)
        if not Agent.objects.filter(email="support@demo.rdv-territoire.fr").exists():
            Agent.objects.create_superuser(
                email="support@demo.rdv-territoire.fr",
                password=DEMO_PASSWORD,
                first_name="Équipe",
                last_name="Support",
            )
        return territory

    def _seed_daily_work(self, territory, organisation, services) -> None:
        """Motifs (one open online) and weekly availability, so the public booking flow
        of `make run` has slots to show."""
        social = services["Service social"]
        online, _ = Motif.objects.get_or_create(
            territory=territory,
            name="Premier rendez-vous avec un travailleur social",
            service=social,
            location_type=LocationType.PUBLIC_OFFICE,
            archived_at=None,
            defaults={
                "default_duration": 30,
                "bookable_by_public": True,
                "public_can_move": True,
                "instructions_before": (
                    "Ce rendez-vous dure 30 minutes.\n"
                    "Apportez une pièce d'identité et votre dernier avis d'imposition."
                ),
                "instructions_after": (
                    "Présentez-vous à l'accueil 5 minutes avant l'heure du rendez-vous.\n"
                    "Plan d'accès : https://www.ladrome.fr"
                ),
            },
        )
        phone, _ = Motif.objects.get_or_create(
            territory=territory,
            name="Point d'étape",
            service=social,
            location_type=LocationType.PHONE,
            archived_at=None,
            defaults={"default_duration": 15},
        )
        for motif in (online, phone):
            motif.organisations.add(organisation)
        agent = Agent.objects.get(email="agent@demo.rdv-territoire.fr")
        for start, end in ((time(9), time(12)), (time(14), time(17))):
            availability, created = AvailabilityRange.objects.get_or_create(
                territory=territory,
                organisation=organisation,
                agent=agent,
                start_time=start,
                end_time=end,
                defaults={
                    "first_day": timezone.localdate(),
                    "recurrence": Recurrence.WEEKLY,
                    "weekdays": [0, 1, 2, 3, 4],
                },
            )
            if created:
                availability.motifs.set([online, phone])
