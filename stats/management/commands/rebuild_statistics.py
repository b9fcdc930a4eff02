from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from stats import summary


class Command(BaseCommand):
    help = "Recompte toutes les statistiques de tous les espaces (tables de synthèse)."

    def handle(self, *args, **options):
        with scopes_disabled():  # every territory's summary, by design
            summary.rebuild()
        self.stdout.write("Statistiques recomptées.")
