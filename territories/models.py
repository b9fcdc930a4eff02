from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django_scopes import ScopedManager

from territories.validators import validate_french_phone


class Territory(models.Model):
    """An "espace": the tenant. Every scoped row points to one, directly or in one hop."""

    name = models.CharField("nom", max_length=200)
    departement_number = models.CharField("numéro de département", max_length=3, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "territoire"
        ordering = ["name"]

    def __str__(self) -> str:
        if self.departement_number:
            return f"{self.name} ({self.departement_number})"
        return self.name


class Service(models.Model):
    """Global catalogue kept by support staff; territories activate what they use."""

    name = models.CharField("nom", max_length=200, unique=True)
    short_name = models.CharField("nom court", max_length=50, blank=True)

    class Meta:
        verbose_name = "service"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TerritoryService(models.Model):
    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="territory_services",
        verbose_name="espace",
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="territory_services", verbose_name="service"
    )
    is_active = models.BooleanField("actif", default=True)
    changed_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "service du territoire"
        verbose_name_plural = "services des territoires"
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "service"], name="unique_territory_service"
            ),
        ]

    def __str__(self) -> str:
        state = "actif" if self.is_active else "désactivé"
        return f"{self.service} — {self.territory} ({state})"


class Organisation(models.Model):
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="organisations", verbose_name="espace"
    )
    name = models.CharField("nom", max_length=200)
    address = models.CharField("adresse", max_length=300, blank=True)
    phone = models.CharField(
        "téléphone", max_length=30, blank=True, validators=[validate_french_phone]
    )
    email = models.EmailField("adresse e-mail", blank=True)
    website = models.URLField("site web", blank=True)
    opening_hours = models.TextField("horaires d'ouverture", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "territory",
                Lower("name"),
                name="unique_organisation_name_in_territory",
                violation_error_message="Une organisation porte déjà ce nom dans ce territoire.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Roles: who an agent is in a territory. They live on the ground floor because
# tenancy and permissions (which every section uses) read them.


class TerritoryAdmin(models.Model):
    """The "Administrateur d'Espace" role: an agent who configures a whole territory."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="territory_admin_roles",
        verbose_name="agent",
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="admin_roles", verbose_name="espace"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créé le")

    class Meta:
        verbose_name = "administrateur d'espace"
        verbose_name_plural = "administrateurs d'espace"
        constraints = [
            models.UniqueConstraint(fields=["agent", "territory"], name="unique_territory_admin"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} — {self.territory}"


class AccessLevel(models.TextChoices):
    BASIC = "basic", "Basique"
    ADMIN = "admin", "Administrateur"
    INTERVENANT = "intervenant", "Intervenant"


class AgentRole(models.Model):
    """An agent's membership of an organisation, with its access level there."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name="agent",
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="agent_roles",
        verbose_name="organisation",
    )
    access_level = models.CharField(
        "niveau d'accès", max_length=20, choices=AccessLevel.choices, default=AccessLevel.BASIC
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créé le")

    objects = ScopedManager(territory="organisation__territory")

    class Meta:
        verbose_name = "rôle dans une organisation"
        verbose_name_plural = "rôles dans les organisations"
        constraints = [
            models.UniqueConstraint(fields=["agent", "organisation"], name="unique_agent_role"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} — {self.organisation} ({self.get_access_level_display()})"


class AgentService(models.Model):
    """The services an agent is assigned to, in one territory."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="service_assignments",
        verbose_name="agent",
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="agent_services", verbose_name="espace"
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="agent_assignments", verbose_name="service"
    )

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "affectation à un service"
        verbose_name_plural = "affectations aux services"
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "territory", "service"], name="unique_agent_service"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} — {self.service}"


class AuditEntry(models.Model):
    """Who changed what in a territory's configuration, with before/after."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="audit_entries", verbose_name="espace"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        verbose_name="auteur",
    )
    action = models.CharField("action", max_length=100)
    object_type = models.CharField("type d'objet", max_length=100, blank=True)
    object_id = models.CharField("identifiant", max_length=64, blank=True)
    object_repr = models.CharField("objet", max_length=300, blank=True)
    before = models.JSONField("avant", null=True, blank=True)
    after = models.JSONField("après", null=True, blank=True)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal des modifications"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["territory", "-created_at"]),
            # One object's history: moved by a merge, scrubbed by an erasure.
            models.Index(
                fields=["territory", "object_type", "object_id"], name="audit_entry_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} — {self.object_repr}"
