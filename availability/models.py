"""Availability ranges ("plages d'ouverture") and absences, with the recurrence expansion
shared by the slot search and the overlap check."""

from datetime import date, timedelta
from math import lcm

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import ScopedManager


class Recurrence(models.TextChoices):
    ONCE = "once", "Une seule fois"
    WEEKLY = "weekly", "Toutes les semaines"


WEEKDAY_CHOICES = [
    (0, "Lundi"),
    (1, "Mardi"),
    (2, "Mercredi"),
    (3, "Jeudi"),
    (4, "Vendredi"),
    (5, "Samedi"),
    (6, "Dimanche"),
]


class AvailabilityRange(models.Model):
    """A "plage d'ouverture": hours during which an agent receives RDVs for some motifs
    in one organisation, once or weekly (on chosen days, every N weeks, until a date)."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="availability_ranges",
        verbose_name="espace",
    )
    organisation = models.ForeignKey(
        "territories.Organisation",
        on_delete=models.CASCADE,
        related_name="availability_ranges",
        verbose_name="organisation",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="availability_ranges",
        verbose_name="agent",
    )
    motifs = models.ManyToManyField(
        "motifs.Motif", related_name="availability_ranges", verbose_name="motifs"
    )
    title = models.CharField("intitulé", max_length=200, blank=True)
    first_day = models.DateField("premier jour")
    start_time = models.TimeField("heure de début")
    end_time = models.TimeField("heure de fin")
    recurrence = models.CharField(
        "répétition", max_length=10, choices=Recurrence.choices, default=Recurrence.ONCE
    )
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES),
        verbose_name="jours",
        default=list,
        blank=True,
    )
    every_n_weeks = models.PositiveSmallIntegerField("toutes les N semaines", default=1)
    until = models.DateField("jusqu'au", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "plage d'ouverture"
        verbose_name_plural = "plages d'ouverture"
        ordering = ["first_day", "start_time"]
        indexes = [models.Index(fields=["organisation", "agent"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="range_ends_after_start",
                violation_error_message="L'heure de fin doit être après l'heure de début.",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Plage du {self.first_day:%d/%m/%Y} {self.start_time:%H:%M}"

    @property
    def weekday_names(self) -> list[str]:
        names = dict(WEEKDAY_CHOICES)
        return [names[day] for day in sorted(self.weekdays)]

    def occurrence_dates(self, start: date, end: date) -> list[date]:
        """The days (inclusive bounds) on which this range is open."""
        return occurrence_dates(
            self.first_day,
            self.recurrence,
            self.weekdays,
            self.every_n_weeks,
            self.until,
            start,
            end,
        )

    def overlapping(self) -> "AvailabilityRange | None":
        """Another range of the same agent in the same organisation open at the same
        time on a common day, if any (availability.services holds the lock under which
        this answer stays true until the save commits)."""
        others = AvailabilityRange.objects.filter(
            agent_id=self.agent_id,
            organisation_id=self.organisation_id,
            start_time__lt=self.end_time,
            end_time__gt=self.start_time,
        ).exclude(pk=self.pk)
        for other in others:
            if self.shares_a_day_with(other):
                return other
        return None

    def shares_a_day_with(self, other: "AvailabilityRange") -> bool:
        """Whether two ranges are open on a common day. Once both have begun, weekly
        patterns repeat every lcm(N1, N2) weeks, so one such period (plus a week) settles it."""
        start = max(self.first_day, other.first_day)
        end = start + timedelta(weeks=lcm(self.every_n_weeks, other.every_n_weeks) + 1)
        for bound in (self.until, other.until):
            if bound:
                end = min(end, bound)
        if end < start:
            return False
        return bool(
            set(self.occurrence_dates(start, end)) & set(other.occurrence_dates(start, end))
        )


def overlap_message(clash: AvailabilityRange) -> str:
    """The refusal of a range that overlaps `clash`."""
    return (
        f"Cette plage chevauche une autre plage de l'agent dans cette organisation "
        f"({clash}, {clash.start_time:%H:%M}–{clash.end_time:%H:%M})."
    )


def occurrence_dates(
    first_day: date,
    recurrence: str,
    weekdays: list[int],
    every_n_weeks: int,
    until: date | None,
    start: date,
    end: date,
) -> list[date]:
    """Pure-Python recurrence expansion, shared by the slot search and the overlap check."""
    last = min(end, until) if until else end
    if recurrence != Recurrence.WEEKLY:
        return [first_day] if start <= first_day <= last else []
    step = 7 * max(every_n_weeks, 1)
    first_monday = first_day - timedelta(days=first_day.weekday())
    low = max(start, first_day)
    days: list[date] = []
    for weekday in weekdays:
        day = first_monday + timedelta(days=weekday)
        if day < first_day:
            day += timedelta(days=step)
        if day < low:
            day += timedelta(days=step * -(-(low - day).days // step))
        while day <= last:
            days.append(day)
            day += timedelta(days=step)
    days.sort()
    return days


class Absence(models.Model):
    """Time an agent is away: it is removed from every range of the agent."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name="espace",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name="agent",
    )
    title = models.CharField("intitulé", max_length=200, blank=True)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "absence"
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["agent", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="absence_ends_after_start",
                violation_error_message="La fin de l'absence doit être après son début.",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Absence du {timezone.localtime(self.starts_at):%d/%m/%Y}"
