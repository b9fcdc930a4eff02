"""What the Services section keeps of its own: the admins' requests for a service the
catalogue lacks (the catalogue itself, Service, lives in territories)."""

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from territories.models import Organisation, Territory


class ServiceRequest(models.Model):
    """ "Demander l'ajout d'un service": sent to the support staff by mail, listed in the
    Django admin, where they mark it handled once the catalogue has the service."""

    territory = models.ForeignKey(
        Territory, verbose_name="territoire", on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    service_name = models.CharField("service demandé", max_length=200)
    reason = models.TextField("pourquoi", max_length=2000)
    organisations = models.ManyToManyField(
        Organisation, verbose_name="organisations concernées", blank=True, related_name="+"
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    handled = models.BooleanField("traitée", default=False)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "demande d'ajout de service"
        verbose_name_plural = "demandes d'ajout de service"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.service_name
