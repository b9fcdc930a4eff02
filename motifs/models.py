from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django_scopes import ScopedManager

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY

# The online-booking delays offered to admins, in seconds (a month counts 30 days).
BOOKING_DELAY_CHOICES = [
    (30 * MINUTE, "30 minutes"),
    (1 * HOUR, "1 heure"),
    (2 * HOUR, "2 heures"),
    (3 * HOUR, "3 heures"),
    (6 * HOUR, "6 heures"),
    (12 * HOUR, "12 heures"),
    (1 * DAY, "1 jour"),
    (2 * DAY, "2 jours"),
    (3 * DAY, "3 jours"),
    (1 * WEEK, "1 semaine"),
    (2 * WEEK, "2 semaines"),
    (3 * WEEK, "3 semaines"),
    (1 * MONTH, "1 mois"),
    (6 * WEEK, "6 semaines"),
    (2 * MONTH, "2 mois"),
    (3 * MONTH, "3 mois"),
    (6 * MONTH, "6 mois"),
    (365 * DAY, "1 an"),
]
DEFAULT_MIN_BOOKING_DELAY = 30 * MINUTE
DEFAULT_MAX_BOOKING_DELAY = 3 * MONTH


class LocationType(models.TextChoices):
    PUBLIC_OFFICE = "public_office", "Sur place"
    PHONE = "phone", "Par téléphone"
    VISIO = "visio", "En visioconférence"
    HOME = "home", "À domicile"


def duplicate_message(location_type: str) -> str:
    """Why a live motif cannot take this name (form check and database constraint alike)."""
    return (
        "Un motif actif porte déjà ce nom, pour ce service et ce type de rendez-vous "
        f"({LocationType(location_type).label.lower()}). Changez le nom, le service ou le type."
    )


class MotifQuerySet(models.QuerySet):
    def active(self) -> "MotifQuerySet":
        """Not archived: the motifs offered in choice lists."""
        return self.filter(archived_at__isnull=True)

    def archived(self) -> "MotifQuerySet":
        return self.filter(archived_at__isnull=False)


class Motif(models.Model):
    """The reason for an RDV, created once for the territory and shared by the
    organisations the admin ticks."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.PROTECT,
        related_name="motifs",
        verbose_name="espace",
    )
    organisations = models.ManyToManyField(
        "territories.Organisation", related_name="motifs", verbose_name="organisations"
    )
    service = models.ForeignKey(
        "territories.Service",
        on_delete=models.PROTECT,
        related_name="motifs",
        verbose_name="service",
    )
    name = models.CharField("nom", max_length=200)
    default_duration = models.PositiveIntegerField(
        "durée par défaut (minutes)",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    location_type = models.CharField(
        "type", max_length=20, choices=LocationType.choices, default=LocationType.PUBLIC_OFFICE
    )
    color = models.CharField(
        "couleur",
        max_length=7,
        default="#1f8d49",
        validators=[
            RegexValidator(r"^#[0-9a-fA-F]{6}$", "Choisissez une couleur au format #RRGGBB.")
        ],
    )
    # Réservation en ligne
    bookable_by_public = models.BooleanField("ouvert aux usagers", default=False)
    min_booking_delay = models.PositiveIntegerField(
        "délai minimum de réservation",
        choices=BOOKING_DELAY_CHOICES,
        default=DEFAULT_MIN_BOOKING_DELAY,
    )
    max_booking_delay = models.PositiveIntegerField(
        "délai maximum de réservation",
        choices=BOOKING_DELAY_CHOICES,
        default=DEFAULT_MAX_BOOKING_DELAY,
    )
    public_can_move = models.BooleanField("les usagers peuvent déplacer leur RDV", default=False)
    # Instructions et notifications
    instructions_before = models.TextField("instructions avant la prise de RDV", blank=True)
    instructions_after = models.TextField("instructions après la prise de RDV", blank=True)

    archived_at = models.DateTimeField("archivé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créé par",
    )

    objects = ScopedManager(
        territory="territory", _manager_class=models.Manager.from_queryset(MotifQuerySet)
    )

    class Meta:
        verbose_name = "motif"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "territory",
                models.functions.Lower("name"),
                "service",
                "location_type",
                condition=models.Q(archived_at__isnull=True),
                name="unique_active_motif",
                violation_error_message=(
                    "Un motif actif porte déjà ce nom, pour ce service et ce type de rendez-vous."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_location_type_display()})"

    def is_referenced(self) -> bool:
        """Does anything besides its own organisation links point to this motif?

        Asks Django's deletion collector rather than listing relations, so that a
        reference added later (availability ranges…) is covered: a protected or
        restricted relation, a row that would be cascaded or set to NULL all count.
        """
        own = {Motif, Motif.organisations.through, MotifSlotAlert}
        collector = Collector(using=router.db_for_write(Motif))
        try:
            collector.collect([self])
        except (ProtectedError, RestrictedError):
            return True
        if any(model not in own and objs for model, objs in collector.data.items()):
            return True
        if any(qs.model not in own and qs.exists() for qs in collector.fast_deletes):
            return True
        return any(
            objs.exists() if isinstance(objs, models.QuerySet) else bool(objs)
            for updates in collector.field_updates.values()
            for objs in updates
        )


class MotifSlotAlert(models.Model):
    """A motif open online that offered no free slot in its booking window, in one of
    its organisations, when last checked (booking.slot_alerts, every morning).

    Rows are rewritten by each check: the list of motifs reads them instead of searching
    slots on every page load."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="motif_slot_alerts",
    )
    motif = models.ForeignKey(
        Motif, verbose_name="motif", on_delete=models.CASCADE, related_name="slot_alerts"
    )
    organisation = models.ForeignKey(
        "territories.Organisation",
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="motif_slot_alerts",
    )
    since = models.DateTimeField("sans créneau depuis")
    checked_at = models.DateTimeField("vérifié le")

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "motif sans créneau en ligne"
        verbose_name_plural = "motifs sans créneau en ligne"
        constraints = [
            models.UniqueConstraint("motif", "organisation", name="unique_motif_slot_alert")
        ]

    def __str__(self) -> str:
        return f"{self.motif_id} sans créneau à {self.organisation_id}"
