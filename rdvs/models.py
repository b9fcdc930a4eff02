from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils import timezone
from django_scopes import ScopedManager


class RdvStatus(models.TextChoices):
    UNKNOWN = "unknown", "À venir"
    SEEN = "seen", "Honoré"
    EXCUSED = "excused", "Excusé"
    CANCELLED = "cancelled", "Annulé"
    NOSHOW = "noshow", "Absence non excusée"


# Statuses whose time no longer belongs to the agents (the slot is free again).
FREEING_STATUSES = (RdvStatus.EXCUSED, RdvStatus.CANCELLED)


class CreatedBy(models.TextChoices):
    AGENT = "agent", "Agent"
    USAGER = "usager", "Usager"


class Rdv(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.PROTECT,
        related_name="rdvs",
        verbose_name="espace",
    )
    organisation = models.ForeignKey(
        "territories.Organisation",
        on_delete=models.PROTECT,
        related_name="rdvs",
        verbose_name="organisation",
    )
    motif = models.ForeignKey(
        "motifs.Motif", on_delete=models.PROTECT, related_name="rdvs", verbose_name="motif"
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="RdvAgent", related_name="rdvs", verbose_name="agents"
    )
    user_records = models.ManyToManyField(
        "user_records.UserRecord", related_name="rdvs", verbose_name="usagers"
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    status = models.CharField(
        "statut", max_length=20, choices=RdvStatus.choices, default=RdvStatus.UNKNOWN
    )
    created_by = models.CharField(
        "créé par", max_length=10, choices=CreatedBy.choices, default=CreatedBy.AGENT
    )
    created_by_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créé par l'agent",
    )
    # Internal only: shown to agents with access to the RDV, never to usagers.
    context = models.TextField("contexte", blank=True)
    arrived_at = models.DateTimeField("arrivée en salle d'attente", null=True, blank=True)
    arrival_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="arrivée enregistrée par",
    )
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "RDV"
        verbose_name_plural = "RDV"
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["territory", "organisation", "starts_at"]),
            # The statistics recount a territory's weeks, and find its RDVs changed
            # since their last run (stats.summary).
            models.Index(fields=["territory", "starts_at"], name="rdv_territory_starts_at"),
            models.Index(fields=["territory", "updated_at"], name="rdv_territory_updated_at"),
            # The reminder task reads the next few days of RDVs still to come, in every
            # territory (rdvs.reminders).
            models.Index(
                fields=["starts_at"],
                condition=Q(status="unknown"),
                name="rdv_upcoming_starts_at",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="rdv_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motif.name} — {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"


class RdvAgent(models.Model):
    """An agent's part in an RDV. Times and whether the RDV still holds the agent's time
    are copied here so that PostgreSQL itself refuses two overlapping RDVs of one agent
    (an exclusion constraint: two simultaneous submissions cannot both succeed). The
    services that change an RDV's times or status keep these copies in step."""

    rdv = models.ForeignKey(
        Rdv, on_delete=models.CASCADE, related_name="agent_links", verbose_name="RDV"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="rdv_links",
        verbose_name="agent",
    )
    starts_at = models.DateTimeField(verbose_name="début")
    ends_at = models.DateTimeField(verbose_name="fin")
    holds_time = models.BooleanField(default=True, verbose_name="occupe le créneau")

    objects = ScopedManager(territory="rdv__territory")

    class Meta:
        verbose_name = "agent du RDV"
        verbose_name_plural = "agents des RDV"
        # The agenda's date range per agent (the exclusion constraint's GiST index is
        # partial: it leaves out cancelled RDVs, which the agenda still shows).
        indexes = [models.Index(fields=["agent", "starts_at"], name="rdvagent_agent_starts")]
        constraints = [
            models.UniqueConstraint(fields=["rdv", "agent"], name="unique_rdv_agent"),
            ExclusionConstraint(
                name="no_overlapping_rdvs_per_agent",
                # int8range(agent, agent, '[]') && … instead of `agent WITH =`: GiST handles
                # ranges natively, so no btree_gist extension is needed.
                expressions=[
                    (
                        Func(F("agent_id"), F("agent_id"), Value("[]"), function="int8range"),
                        RangeOperators.OVERLAPS,
                    ),
                    (
                        Func(F("starts_at"), F("ends_at"), Value("[)"), function="tstzrange"),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(holds_time=True),
                violation_error_message="Cet agent a déjà un RDV sur ce créneau.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} — {self.rdv}"


class Reminder(models.Model):
    """One reminder of an RDV by one channel, claimed in the database before it is sent.

    The unique constraint is the claim: of two runs of the reminder task (a second beat,
    a concurrent worker, a run after a restart), only one inserts the row; the other's
    `INSERT … ON CONFLICT DO NOTHING` claims nothing. `starts_at` is the RDV time the
    reminder is about, so an RDV moved later is reminded again of its new time.
    `started_at` is set by the one task that sends it: a task delivered twice by the
    broker sends once."""

    rdv = models.ForeignKey(
        Rdv, on_delete=models.CASCADE, related_name="reminders", verbose_name="RDV"
    )
    channel = models.CharField("canal", max_length=10)
    starts_at = models.DateTimeField("début du RDV rappelé")
    claimed_at = models.DateTimeField("réservé le")
    started_at = models.DateTimeField("envoi commencé le", null=True, blank=True)

    objects = ScopedManager(territory="rdv__territory")

    class Meta:
        verbose_name = "rappel de RDV"
        verbose_name_plural = "rappels de RDV"
        constraints = [
            models.UniqueConstraint(
                fields=["rdv", "channel", "starts_at"], name="one_reminder_per_rdv_channel_time"
            ),
        ]
        indexes = [
            # Claimed reminders whose task never ran (broker lost): re-queued by the sweep.
            models.Index(
                fields=["claimed_at"],
                condition=Q(started_at__isnull=True),
                name="reminder_not_started",
            ),
        ]

    def __str__(self) -> str:
        return f"Rappel {self.channel} — {self.rdv_id}"
