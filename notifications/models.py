"""The sent-message log: every mail and SMS sent to a usager about an RDV, and every
invitation mail, with what the provider later said about its delivery."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager


class Channel(models.TextChoices):
    EMAIL = "email", "Courriel"
    SMS = "sms", "SMS"


class MessageKind(models.TextChoices):
    RDV_CREATED = "rdv_created", "Confirmation du RDV"
    RDV_MOVED = "rdv_moved", "RDV déplacé"
    RDV_CANCELLED = "rdv_cancelled", "RDV annulé"
    RDV_REMINDER = "rdv_reminder", "Rappel du RDV"
    INVITATION = "invitation", "Invitation"


class DeliveryStatus(models.TextChoices):
    # The provider accepted it (the development outbox and the SMS provider stop here).
    SENT = "sent", "Envoyé"
    DELIVERED = "delivered", "Remis"
    FAILED = "failed", "Échec de remise"


class SentMessage(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="sent_messages",
        verbose_name="espace",
    )
    # The lower layers name the higher models by string only: the log belongs to the RDV
    # or the invitation and goes with it when it is deleted (retention, pruning).
    rdv = models.ForeignKey(
        "rdvs.Rdv",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sent_messages",
        verbose_name="RDV",
    )
    invitation = models.ForeignKey(
        "agents.Invitation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sent_messages",
        verbose_name="invitation",
    )
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    kind = models.CharField("type", max_length=30, choices=MessageKind.choices)
    summary = models.CharField("objet", max_length=255)
    recipient = models.CharField("destinataire", max_length=254)
    status = models.CharField(
        "état", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.SENT
    )
    status_detail = models.CharField("détail de l'état", max_length=255, blank=True)
    provider_message_id = models.CharField(
        "identifiant chez le fournisseur", max_length=255, blank=True
    )
    sent_at = models.DateTimeField("envoyé le", default=timezone.now)
    status_at = models.DateTimeField("état reçu le", null=True, blank=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "message envoyé"
        verbose_name_plural = "messages envoyés"
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["rdv", "-sent_at"], name="sent_message_rdv"),
            models.Index(fields=["invitation", "-sent_at"], name="sent_message_invitation"),
            # The statistics count a territory's messages by month (stats.summary).
            models.Index(fields=["territory", "sent_at"], name="sent_message_territory_sent"),
            # The tracking webhook finds the message by the provider's id.
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="sent_message_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} à {self.recipient} — {self.summary}"
