"""How often the public surface may be used: every limit in one place.

Counters are django-ratelimit's fixed windows in the default cache, that is Redis:
shared by every web process, and gone by themselves when the window ends (the
cool-off). A limit that cannot reach Redis lets the request through and logs it:
an outage of the cache must never lock anyone out nor answer 500.

Addresses are the client's (see `client_address`), IPv6 grouped by /64 as one
machine usually holds a whole /64.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
GROUP_PREFIX = "rdv-limit:"


@dataclass(frozen=True)
class Limit:
    name: str
    rate: str  # django-ratelimit's "count/period", e.g. "10/15m"


# Logins: failed attempts only. Per account, a browser where the agent logged in
# before is not held back (see agents.login_throttle): an attacker cannot lock a
# real agent out of their usual browser.
LOGIN_PER_ADDRESS = Limit("login.address", "30/15m")
LOGIN_PER_ACCOUNT = Limit("login.account", "10/15m")
# Password-reset requests (each may send a mail).
RESET_PER_ADDRESS = Limit("password_reset.address", "10/h")
RESET_PER_ACCOUNT = Limit("password_reset.account", "3/h")
# Unknown invitation tokens; a valid token is never limited.
WRONG_INVITATION_TOKENS = Limit("invitation.wrong_token", "20/10m")
# Public bookings (each sends a mail and an SMS) and usagers' moves (each sends both again).
BOOKINGS_PER_ADDRESS = Limit("booking.address", "10/h")
BOOKINGS_PER_PHONE = Limit("booking.phone", "4/d")
BOOKINGS_PER_EMAIL = Limit("booking.email", "6/d")
BOOKINGS_PER_MOTIF = Limit("booking.motif", "60/h")
# Calls of the partner API, per token (every method counts).
API_PER_TOKEN = Limit("api.token", "600/m")

BOOKING_REFUSALS = {
    BOOKINGS_PER_ADDRESS: (
        "Trop de rendez-vous ont été pris depuis votre connexion internet en peu de temps. "
        "Réessayez dans une heure, ou contactez directement le service."
    ),
    BOOKINGS_PER_PHONE: (
        "Trop de rendez-vous ont été pris aujourd'hui avec ce numéro de téléphone. "
        "Contactez directement le service pour un nouveau rendez-vous."
    ),
    BOOKINGS_PER_EMAIL: (
        "Trop de rendez-vous ont été pris aujourd'hui avec cette adresse e-mail. "
        "Contactez directement le service pour un nouveau rendez-vous."
    ),
    BOOKINGS_PER_MOTIF: (
        "Ce motif reçoit exceptionnellement beaucoup de demandes en ligne. "
        "Réessayez dans une heure, ou contactez directement le service."
    ),
}


def client_address(request) -> str:
    """The client's IP address. Behind the project's reverse proxy
    (`BEHIND_REVERSE_PROXY`), the last X-Forwarded-For entry: the one the proxy
    wrote (a proxy that appends leaves the client's own entries before it)."""
    if settings.BEHIND_REVERSE_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104  an unknown client


def _usage(request, limit: Limit, value: str | None, *, increment: bool) -> dict | None:
    if value is None:
        key = "ip"
    else:
        # Phone numbers and addresses are not kept in Redis, only their digest.
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()

        def key(group, request):
            return digest

    try:
        return get_usage(
            request, group=GROUP_PREFIX + limit.name, key=key, rate=limit.rate, increment=increment
        )
    except (RedisError, OSError):
        logger.warning("Rate limit %s not applied: the cache is unreachable", limit.name)
        return None


def is_exhausted(request, limit: Limit, value: str | None = None) -> bool:
    """Whether the limit is used up, without counting anything. `value` is what is
    counted (an account, a phone number…); None counts the client's address."""
    usage = _usage(request, limit, value, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def count(request, limit: Limit, value: str | None = None) -> bool:
    """Count one more use; True when this one goes beyond the limit."""
    usage = _usage(request, limit, value, increment=True)
    return usage is not None and usage["should_limit"]


def booking_refusal(request, *, motif_id: int | None, phone: str, email: str) -> str | None:
    """Count a booking (or a move) and say why it is refused, if it is. Checked in
    order, so that a client already refused for its address does not also use up
    the motif's allowance for everyone else."""
    checks: list[tuple[Limit, str | None]] = [(BOOKINGS_PER_ADDRESS, None)]
    digits = "".join(c for c in phone if c.isdigit())
    if digits:
        checks.append((BOOKINGS_PER_PHONE, digits))
    if email:
        checks.append((BOOKINGS_PER_EMAIL, email))
    if motif_id:
        checks.append((BOOKINGS_PER_MOTIF, str(motif_id)))
    for limit, value in checks:
        if count(request, limit, value):
            return BOOKING_REFUSALS[limit]
    return None


def forget_all() -> int:
    """Drop every counter (tests start clean; support may lift limits after an
    incident). Returns how many were dropped."""
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"*{cache.make_key('rl:')}*"))
    return client.delete(*keys) if keys else 0
