from django.db import models
from django_scopes import ScopedManager


class WaitingRoomMode(models.TextChoices):
    VISUAL = "visual", "Notification visuelle"
    EMAIL = "email", "Notification par e-mail"
    BOTH = "both", "Notification visuelle et par e-mail"
    NONE = "none", "Aucune (le bouton « Usager en salle d'attente » est masqué)"


# How long before the RDV a reminder leaves (hours; 0: no reminder by that channel).
# The reminder task reads RDVs up to the longest of these ahead (rdvs.reminders).
REMINDER_DELAYS = [
    (0, "Pas de rappel"),
    (24, "24 heures avant (la veille)"),
    (48, "48 heures avant"),
    (72, "72 heures avant"),
]
LONGEST_REMINDER_DELAY = max(hours for hours, _ in REMINDER_DELAYS)


class RdvSettings(models.Model):
    """The "Fiches RDV" section: one row per territory (absent = the defaults below)."""

    territory = models.OneToOneField(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="rdv_settings",
        verbose_name="espace",
    )
    context_enabled = models.BooleanField(
        "activer le champ Contexte",
        default=False,
        help_text=(
            "Informations complémentaires saisies par les agents lors de la prise de "
            "rendez-vous, visibles uniquement en interne."
        ),
    )
    waiting_room_mode = models.CharField(
        "notification des agents quand un usager est en salle d'attente",
        max_length=10,
        choices=WaitingRoomMode.choices,
        default=WaitingRoomMode.VISUAL,
    )
    reminder_email_delay = models.PositiveSmallIntegerField(
        "rappel par e-mail",
        choices=REMINDER_DELAYS,
        default=24,
        help_text="Aux usagers qui ont une adresse e-mail et acceptent d'être prévenus ainsi.",
    )
    reminder_sms_delay = models.PositiveSmallIntegerField(
        "rappel par SMS",
        choices=REMINDER_DELAYS,
        default=48,
        help_text="Aux usagers qui ont un numéro de téléphone et acceptent d'être prévenus ainsi.",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "réglages des fiches RDV"
        verbose_name_plural = "réglages des fiches RDV"

    def __str__(self) -> str:
        return f"Fiches RDV — {self.territory}"

    @property
    def waiting_room_enabled(self) -> bool:
        return self.waiting_room_mode != WaitingRoomMode.NONE

    @property
    def notifies_visually(self) -> bool:
        return self.waiting_room_mode in (WaitingRoomMode.VISUAL, WaitingRoomMode.BOTH)

    @property
    def notifies_by_email(self) -> bool:
        return self.waiting_room_mode in (WaitingRoomMode.EMAIL, WaitingRoomMode.BOTH)
