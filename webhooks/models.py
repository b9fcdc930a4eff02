from django.contrib.postgres.fields import ArrayField
from django.db import models
from django_scopes import ScopedManager


class Event(models.Model):
    """The transactional outbox: written in the same transaction as the change it describes.

    Delivery to the territory's endpoints reads from here after commit.
    """

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField("type", max_length=100, db_index=True)
    payload = models.JSONField("données")
    # The organisations the object belongs to, for endpoints restricted to some of them.
    organisation_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True, db_index=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "événement"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["territory", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"
