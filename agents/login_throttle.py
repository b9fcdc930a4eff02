"""Throttling of logins (the login page and /admin/login/) and password-reset requests.

Failed logins are counted per client address and per account (config.ratelimits).
An account with too many failures is held back for 15 minutes, except in a browser
where its agent already logged in (a signed "known device" cookie): whoever keeps
guessing a password locks out nobody but themselves. The messages say the same for
every address, existing or not, so they reveal no account.

Why django-ratelimit over django-axes: the counters already live in Redis for the
invitation and booking limits, shared by every process and expiring by themselves
(the cool-off); no table, no authentication backend to add, and the known-device
rule is a few lines here.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac

from config import ratelimits

DEVICE_COOKIE = "rdv_appareil_connu"
DEVICE_SALT = "agents.login_throttle.device"
DEVICE_MAX_AGE = 60 * 60 * 24 * 365
DEVICE_ACCOUNTS_KEPT = 5

TOO_MANY_FROM_ADDRESS = (
    "Trop de tentatives de connexion ont échoué depuis votre connexion internet. "
    "Par sécurité, réessayez dans 15 minutes."
)
TOO_MANY_FOR_ACCOUNT = (
    "Trop de tentatives de connexion ont échoué pour ce compte. Par sécurité, il ne peut "
    "pas être utilisé pendant 15 minutes depuis un navigateur où vous ne vous êtes encore "
    "jamais connecté(e). Réessayez plus tard, ou choisissez un nouveau mot de passe avec "
    "« Mot de passe oublié ? »."
)
TOO_MANY_RESETS_FROM_ADDRESS = (
    "Trop de demandes de nouveau mot de passe depuis votre connexion internet. "
    "Réessayez dans une heure."
)
TOO_MANY_RESETS_FOR_ACCOUNT = (
    "Plusieurs liens ont déjà été demandés pour cette adresse dans l'heure : utilisez le "
    "dernier courriel reçu (pensez aux indésirables), ou réessayez dans une heure."
)


def _account(email: str) -> str:
    return (email or "").strip().lower()


def _device_digest(email: str) -> str:
    return salted_hmac(DEVICE_SALT, _account(email)).hexdigest()[:32]


def _known_accounts(request) -> list[str]:
    try:
        value = signing.loads(
            request.COOKIES.get(DEVICE_COOKIE, ""), salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE
        )
    except signing.BadSignature:
        return []
    return value if isinstance(value, list) else []


def is_known_device(request, email: str) -> bool:
    return _device_digest(email) in _known_accounts(request)


def remember_device(request, response, email: str) -> None:
    """After a successful login: this browser is one of the account's own."""
    digest = _device_digest(email)
    accounts = [digest, *(d for d in _known_accounts(request) if d != digest)]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(accounts[:DEVICE_ACCOUNTS_KEPT], salt=DEVICE_SALT),
        max_age=DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def login_refusal(request, email: str) -> str | None:
    if ratelimits.is_exhausted(request, ratelimits.LOGIN_PER_ADDRESS):
        return TOO_MANY_FROM_ADDRESS
    held_back = ratelimits.is_exhausted(request, ratelimits.LOGIN_PER_ACCOUNT, _account(email))
    if email and held_back and not is_known_device(request, email):
        return TOO_MANY_FOR_ACCOUNT
    return None


def note_failed_login(request, email: str) -> None:
    ratelimits.count(request, ratelimits.LOGIN_PER_ADDRESS)
    # Failures from the agent's own browser do not hold the account back elsewhere.
    if email and not is_known_device(request, email):
        ratelimits.count(request, ratelimits.LOGIN_PER_ACCOUNT, _account(email))


class ThrottledLoginMixin:
    """For authentication forms (they carry `self.request`): refuse before checking the
    password while a limit is reached, count each failure."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        refusal = login_refusal(self.request, email)
        if refusal:
            raise ValidationError(refusal, code="throttled")
        try:
            return super().clean()
        except ValidationError:
            note_failed_login(self.request, email)
            raise


class ThrottledAdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """/admin/login/ (support staff): the same limits as the login page."""


def password_reset_refusal(request, email: str) -> str | None:
    """Count a reset request (each may send a mail) and say why it is refused, if it is."""
    if ratelimits.count(request, ratelimits.RESET_PER_ADDRESS):
        return TOO_MANY_RESETS_FROM_ADDRESS
    if ratelimits.count(request, ratelimits.RESET_PER_ACCOUNT, _account(email)):
        return TOO_MANY_RESETS_FOR_ACCOUNT
    return None
