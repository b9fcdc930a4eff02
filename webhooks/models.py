from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


class Event(models.Model):
    """The transactional outbox: written in the same transaction as the change it describes.

    Delivery to the territory's endpoints reads from here after commit.
    """

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name="espace",
    )
    type = models.CharField("type", max_length=100, db_index=True)
    payload = models.JSONField("données")
    # The organisations the object belongs to, for endpoints restricted to some of them.
    organisation_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name="organisations concernées"
    )
    # Why the change happened, when consumers must know: "rgpd" for a deletion at the
    # end of the territory's retention period (unlink, do not delete your own copy).
    reason = models.CharField("raison", max_length=20, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True, db_index=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "événement"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["territory", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    @property
    def object_id(self):
        """The id of the object the event is about, when the payload carries one."""
        return self.payload.get("id") if isinstance(self.payload, dict) else None


class EndpointFormat(models.TextChoices):
    """The shape of what an endpoint receives (webhooks/rdvsp.py for the second)."""

    STANDARD = "standard", "Standard Webhooks (recommandé)"
    RDV_SERVICE_PUBLIC = "rdv_service_public", "RDV Service Public (compatible rdv-insertion)"


class Endpoint(models.Model):
    """A URL of one of the territory's systems that receives its events, signed."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name="espace",
    )
    url = models.URLField("URL", max_length=500)
    description = models.CharField("description", max_length=200, blank=True)
    organisations = models.ManyToManyField(
        "territories.Organisation",
        blank=True,
        related_name="webhook_endpoints",
        verbose_name="organisations",
        help_text="Aucune : tous les événements de l'espace.",
    )
    format = models.CharField(
        "format",
        max_length=30,
        choices=EndpointFormat,
        default=EndpointFormat.STANDARD,
    )
    # Standard format: "*" (everything), "motif.*" (every type of an object) or exact
    # types. RDV Service Public format: the reference platform's names ("rdv", "user"…).
    event_types = ArrayField(
        models.CharField(max_length=100), default=list, verbose_name="types d'événements"
    )
    legacy_signature = models.BooleanField(
        "ajouter l'en-tête X-Lapin-Signature",
        default=False,
        help_text="Signature hexadécimale HMAC-SHA256 du corps, comme RDV-Solidarités.",
    )
    enabled = models.BooleanField("actif", default=True)
    disabled_reason = models.CharField("motif de désactivation", max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True, verbose_name="désactivé le")
    # Secrets are never logged nor shown again after creation or rotation.
    secret = models.CharField(max_length=100, verbose_name="secret")
    previous_secret = models.CharField(max_length=100, blank=True, verbose_name="secret précédent")
    previous_secret_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name="fin de validité du secret précédent"
    )
    # Continuous failure since this moment (reset by any success): alert, then disable.
    failing_since = models.DateTimeField(null=True, blank=True, verbose_name="en échec depuis")
    failed_attempts_in_row = models.PositiveIntegerField(
        default=0, verbose_name="tentatives échouées d'affilée"
    )
    failure_alert_sent_at = models.DateTimeField(
        null=True, blank=True, verbose_name="alerte d'échec envoyée le"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créé le")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifié le")

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "point de réception"
        verbose_name_plural = "points de réception"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def masked_secret(self) -> str:
        return f"whsec_…{self.secret[-4:]}"

    @property
    def is_rdv_service_public(self) -> bool:
        return self.format == EndpointFormat.RDV_SERVICE_PUBLIC


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    SUCCEEDED = "succeeded", "Réussi"
    FAILED = "failed", "Échec"


class Delivery(models.Model):
    """One event for one endpoint: the unit that is sent, retried and replayed.

    The schedule lives here (`next_attempt_at`), not in Celery countdowns: the
    sweeper finds what is due, so a lost message or a dead worker loses nothing.
    """

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
        verbose_name="espace",
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name="événement"
    )
    endpoint = models.ForeignKey(
        Endpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name="point de réception",
    )
    # Same on every attempt and replay: the receiver's idempotency key.
    webhook_id = models.CharField(max_length=40, unique=True, verbose_name="identifiant du webhook")
    # The exact body, when it is built as the change is recorded (RDV Service Public
    # format: one object as it was then, possibly one of several per event); empty: the
    # Standard Webhooks body, built from the event when sent.
    body = models.TextField(blank=True, verbose_name="corps")
    status = models.CharField(
        "statut", max_length=20, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts_count = models.PositiveIntegerField("tentatives", default=0)
    # Failed attempts since creation or the last manual replay: the position in the schedule.
    schedule_step = models.PositiveSmallIntegerField(
        default=0, verbose_name="étape du calendrier de relance"
    )
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    # A worker that claimed the delivery holds it until then (a dead worker's lease expires).
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name="réservé jusqu'au")
    # When a task was last queued for it: the sweeper re-queues only what stayed unsent.
    dispatched_at = models.DateTimeField(null=True, blank=True, verbose_name="envoyé le")
    last_status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name="dernier code de réponse"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créé le")
    succeeded_at = models.DateTimeField(null=True, blank=True, verbose_name="réussi le")

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "envoi"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhooks_delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "-created_at"]),
            # The endpoints list counts what is pending or failed: a small part of the
            # deliveries, whatever the number that succeeded.
            models.Index(
                fields=["endpoint", "status"],
                name="webhooks_delivery_open_idx",
                condition=~models.Q(status="succeeded"),
            ),
        ]

    def __str__(self) -> str:
        return self.webhook_id


class Attempt(models.Model):
    """One HTTP request of a delivery, as the admin sees it in the delivery's log.

    Written when the request ends; an attempt whose worker died is written, as
    interrupted, when the delivery is claimed again.
    """

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempts", verbose_name="envoi"
    )
    attempted_at = models.DateTimeField("date")
    duration_ms = models.PositiveIntegerField("durée (ms)", null=True, blank=True)
    status_code = models.PositiveSmallIntegerField("statut HTTP", null=True, blank=True)
    error = models.CharField("erreur", max_length=500, blank=True)
    response_excerpt = models.TextField("début de la réponse", blank=True)

    objects = ScopedManager(territory="delivery__territory")

    class Meta:
        verbose_name = "tentative"
        ordering = ["attempted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery} @ {timezone.localtime(self.attempted_at):%d/%m/%Y %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
