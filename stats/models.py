"""The statistics' summary tables: what the Statistiques page reads, never the RDVs.

A territory of a million RDVs cannot be counted at each page view. `stats.summary`
recomputes these rows for the weeks (RDVs) and months (messages) that changed since
its last run, every ten minutes (Celery beat), and rebuilds them all on demand
(`manage.py rebuild_statistics`). A week starts on Monday, in the territory's time
zone (Europe/Paris); an RDV counts in the week of its start.
"""

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager


class Level(models.IntegerChoices):
    """What a row of WeeklyRdvCount counts: the grouping set it belongs to, as
    PostgreSQL's GROUPING(organisation, motif, service, online, status) numbers it (a
    bit set for each column summed over, left one first)."""

    TERRITORY = 0b11100, "espace, par canal et statut"
    ORGANISATION = 0b01100, "organisation, par canal et statut"
    ORGANISATION_TOTAL = 0b01111, "organisation"
    MOTIF = 0b10111, "motif"
    SERVICE = 0b11011, "service"
    ORGANISATION_MOTIF = 0b00111, "motif dans une organisation"
    ORGANISATION_SERVICE = 0b01011, "service dans une organisation"


class WeeklyRdvCount(models.Model):
    """The RDVs of one week, counted along one grouping set (`level`): the columns the
    level sums over are empty. One INSERT … GROUP BY GROUPING SETS writes every level
    of a week at once; the page reads only the level each chart needs."""

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField("semaine (lundi)")
    level = models.PositiveSmallIntegerField("niveau", choices=Level.choices)
    organisation = models.ForeignKey(
        "territories.Organisation", null=True, on_delete=models.CASCADE, related_name="+"
    )
    motif = models.ForeignKey("motifs.Motif", null=True, on_delete=models.CASCADE, related_name="+")
    # The motif's service when the week was counted.
    service = models.ForeignKey(
        "territories.Service", null=True, on_delete=models.CASCADE, related_name="+"
    )
    online = models.BooleanField("pris en ligne", null=True)  # by the usager, else an agent
    status = models.CharField("statut", max_length=20, null=True)
    count = models.PositiveIntegerField("RDV")
    # Sum over these RDVs of the time from booking to the RDV (never negative).
    delay_seconds = models.BigIntegerField("délai cumulé (secondes)")

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "RDV d'une semaine (statistiques)"
        verbose_name_plural = "RDV par semaine (statistiques)"
        indexes = [
            models.Index(fields=["territory", "level", "week"], name="weekly_rdv_level_week"),
            # The counts of some organisations (an organisation's admin, a filter).
            models.Index(
                fields=["territory", "level", "organisation", "week"], name="weekly_rdv_level_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} RDV, semaine du {self.week:%d/%m/%Y} ({self.get_level_display()})"


class WeeklyActiveAgent(models.Model):
    """An agent who had at least one RDV (neither cancelled nor excused) in an
    organisation that week: the "agents actifs" of the page."""

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "territories.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField("semaine (lundi)")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "agent actif d'une semaine (statistiques)"
        verbose_name_plural = "agents actifs par semaine (statistiques)"
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "week", "organisation", "agent"],
                name="weekly_active_agent_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["territory", "organisation", "week"], name="weekly_agent_org_week"
            ),
        ]

    def __str__(self) -> str:
        return f"Agent {self.agent_id} actif la semaine du {self.week:%d/%m/%Y}"


class MonthlyMessageCount(models.Model):
    """The mails or SMS sent in one month. `organisation`: the RDV's; none for the
    messages about no RDV (agents' invitations)."""

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "territories.Organisation", null=True, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField("mois (premier jour)")
    channel = models.CharField("canal", max_length=10)
    count = models.PositiveIntegerField("messages")

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "messages d'un mois (statistiques)"
        verbose_name_plural = "messages par mois (statistiques)"
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "month", "organisation", "channel"],
                name="monthly_message_count_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.channel} en {self.month:%m/%Y}"


class SummaryRefresh(models.Model):
    """One row: up to when the summary tables follow the RDVs and messages. A run
    locks it, so two runs never recompute at once."""

    refreshed_at = models.DateTimeField("mis à jour le", null=True)

    class Meta:
        verbose_name = "mise à jour des statistiques"
        verbose_name_plural = "mises à jour des statistiques"

    def __str__(self) -> str:
        return f"Statistiques mises à jour le {self.refreshed_at}"
