"""An export: a CSV of RDVs or of user records, built by a Celery task for the agent who
asked for it, downloadable by that agent only until it expires (then its file is
deleted by a sweeper, exports.tasks.delete_expired_exports)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

# How long a finished export may be downloaded; said on its page.
LIFETIME = timedelta(hours=24)
LIFETIME_LABEL = "24 heures"


class ExportKind(models.TextChoices):
    RDVS = "rdvs", "RDV"
    USER_RECORDS = "user_records", "Fiches usagers"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Prêt"
    FAILED = "failed", "Échec"
    EXPIRED = "expired", "Expiré"


class Export(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="exports",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        on_delete=models.CASCADE,
        related_name="exports",
    )
    kind = models.CharField("type", max_length=20, choices=ExportKind.choices)
    # What the agent chose (period, organisation, search): read again by the task. A
    # search may hold a name: it is emptied when the export expires.
    filters = models.JSONField("filtres", default=dict, blank=True)
    status = models.CharField(
        "état", max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    rows_done = models.PositiveIntegerField("lignes écrites", default=0)
    rows_total = models.PositiveIntegerField("lignes prévues", null=True, blank=True)
    # Relative to settings.EXPORTS_DIR; empty until built, and again once deleted.
    file_path = models.CharField("chemin du fichier", max_length=200, blank=True)
    file_name = models.CharField("nom du fichier", max_length=100, blank=True)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    expires_at = models.DateTimeField("expire le")

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "export"
        verbose_name_plural = "exports"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["territory", "requested_by", "-created_at"]),
            # The sweeper reads the exports not yet marked expired.
            models.Index(
                fields=["expires_at"],
                condition=~models.Q(status="expired"),
                name="export_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.get_kind_display()} n° {self.pk}"

    @property
    def is_expired(self) -> bool:
        return self.status == ExportStatus.EXPIRED or self.expires_at <= timezone.now()

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def period_label(self) -> str:
        """The RDVs' period, as agents write it: "du 01/12/2026 au 31/12/2026"."""
        days = [date.fromisoformat(self.filters[key]) for key in ("du", "au")]
        return "du {:%d/%m/%Y} au {:%d/%m/%Y}".format(*days)

    @property
    def file(self) -> Path | None:
        return Path(settings.EXPORTS_DIR) / self.file_path if self.file_path else None
