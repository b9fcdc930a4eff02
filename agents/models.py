import hashlib
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import ScopedManager

from territories.french import de


class AgentManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        agent = self.model(email=self.normalize_email(email).lower(), **fields)
        agent.set_password(password)
        agent.save(using=self._db)
        return agent

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class Agent(AbstractBaseUser, PermissionsMixin):
    """A person of the platform: territory admins, agents and support staff (is_staff)
    log in; intervenants do not (they have an agenda, no password, maybe no e-mail)."""

    # Unique when given; several intervenants may have none (NULLs never clash).
    email = models.EmailField("adresse e-mail", unique=True, null=True, blank=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField(
        "équipe support", default=False, help_text="Accès à l'administration Django."
    )
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)
    # ProConnect's stable subject for this person, recorded at their first ProConnect
    # login: from then on the account is found by it, whatever the e-mail becomes.
    proconnect_sub = models.CharField(
        "identifiant ProConnect", max_length=255, unique=True, null=True, blank=True
    )

    objects = AgentManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "agent"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email or f"Agent n° {self.pk}"

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower() or None
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name or self.email or ""


INVITATION_VALIDITY = timedelta(hours=48)


def hash_token(token: str) -> str:
    """Only this digest is stored: a database leak gives no working invitation link."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationStatus(models.TextChoices):
    SENDING = "sending", "Envoi en cours"
    PENDING = "pending", "En attente"
    FAILED = "failed", "Échec de l'envoi"
    UNDELIVERED = "undelivered", "Courriel non remis"
    EXPIRED = "expired", "Expirée"
    ACCEPTED = "accepted", "Acceptée"
    REVOKED = "revoked", "Révoquée"


class Invitation(models.Model):
    """An emailed invitation to join a territory, valid 48 hours after it was sent.

    The token is issued when the mail is sent; re-sending issues a new one, which
    kills the previous link at once (its hash is gone)."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name="espace",
    )
    email = models.EmailField("adresse e-mail")
    services = models.ManyToManyField(
        "territories.Service", related_name="invitations", verbose_name="services"
    )
    organisations = models.ManyToManyField(
        "territories.Organisation", related_name="invitations", verbose_name="organisations"
    )
    invited_by = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
        verbose_name="invité par",
    )
    agent = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
        verbose_name="compte de l'agent",
    )
    token_hash = models.CharField(
        max_length=64, unique=True, null=True, editable=False, verbose_name="empreinte du jeton"
    )
    # The random half of the link's token; the other half is the server's secret key
    # (agents.invitations.link_token), so a database leak alone gives no working link.
    token_nonce = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        verbose_name="partie aléatoire du jeton",
    )
    # The digests of the links "Renvoyer" replaced (newest last, a few kept): such a link
    # says it was replaced by a new invitation, not that it is unknown or expired.
    replaced_token_hashes = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        editable=False,
        verbose_name="empreintes des liens remplacés",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    send_failed = models.BooleanField("échec de l'envoi", default=False)
    expires_at = models.DateTimeField("expire le", null=True, blank=True)
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "territory",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="unique_open_invitation",
                violation_error_message="Une invitation est déjà en cours pour cette adresse.",
            ),
        ]
        indexes = [GinIndex(fields=["replaced_token_hashes"], name="invitation_replaced_tokens")]

    def __str__(self) -> str:
        return f"Invitation {de(self.email)}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at

    @property
    def status(self) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.is_expired:
            return InvitationStatus.EXPIRED
        if self.send_failed:
            return InvitationStatus.FAILED
        # Annotated by agents.queries from the sent-message log (provider's report).
        if getattr(self, "delivery_failed", False):
            return InvitationStatus.UNDELIVERED
        if self.sent_at is None:
            return InvitationStatus.SENDING
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return self.status.label
