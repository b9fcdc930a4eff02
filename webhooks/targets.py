"""Where webhooks may go: URL checks on save, and the guarded HTTP client (SSRF).

On save, a URL must be https, carry no credentials and name a public host. When
sending, requests-hardened resolves the host, refuses private, loopback,
link-local, carrier-grade NAT and other special-purpose addresses at connect time
and pins the checked IP (no DNS rebinding). Redirects are never followed.
`settings.WEBHOOKS_ALLOW_LOCAL_TARGETS` lifts these rules (development, tests).
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from requests_hardened import Config, HTTPSession, ip_filter
from requests_hardened.ip_filter import InvalidIPAddress

from config.numbers import plain_int

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 15.0
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 2000
LOCAL_NAME_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".lan", ".home.arpa")

# IPv6 forms that embed an IPv4 address and that requests-hardened lets through:
# IPv4-compatible (::127.0.0.1, deprecated since 2006, reaches IPv4 hosts through some
# stacks and tunnels) and IPv4-translated (::ffff:0:127.0.0.1, SIIT). Mapped
# (::ffff:…), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16) are already
# refused by the library; the list it reads at each connection is extended once here.
EMBEDDED_IPV4_RANGES = (
    ipaddress.ip_network("::/96"),
    ipaddress.ip_network("::ffff:0:0:0/96"),
)
ip_filter.EXTRA_BLOCKED_NET_RANGES = tuple(
    dict.fromkeys((*ip_filter.EXTRA_BLOCKED_NET_RANGES, *EMBEDDED_IPV4_RANGES))
)


def local_targets_allowed() -> bool:
    return settings.WEBHOOKS_ALLOW_LOCAL_TARGETS


def validate_target_url(url: str) -> None:
    """Raise a ValidationError, in French, for a URL webhooks must not be sent to."""
    check_scheme_and_credentials(url)
    if local_targets_allowed():
        return
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise ValidationError(
            "Indiquez un nom de domaine plutôt qu'une adresse IP "
            "(les adresses IP ne sont pas acceptées)."
        )
    if host == "localhost" or host.endswith(LOCAL_NAME_SUFFIXES) or "." not in host:
        raise ValidationError(
            "Ce nom désigne une machine locale ou interne : indiquez une adresse publique."
        )


def check_scheme_and_credentials(url: str) -> None:
    """The part of the checks repeated when sending; addresses are checked at connect time."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (local_targets_allowed() and parts.scheme == "http"):
        raise ValidationError("L'adresse doit commencer par https:// (connexion chiffrée).")
    if parts.username or parts.password:
        raise ValidationError(
            "L'adresse ne doit pas contenir d'identifiant ni de mot de passe : "
            "le secret de signature suffit à authentifier les envois."
        )
    if not parts.hostname:
        raise ValidationError("L'adresse doit contenir un nom de domaine.")


# Targets whose session (and its open connections) a worker process keeps.
KEPT_TARGETS = 128


@lru_cache(maxsize=KEPT_TARGETS)
def _session(allow_local: bool, origin: str) -> HTTPSession:
    """One session per target (scheme, host, port) and process: its keep-alive
    connections are reused from one delivery to the next, and a busy or slow target has
    a pool of its own. Every connection still goes through requests-hardened's check of
    the resolved address, made when it is opened, and stays pinned to it."""
    session = HTTPSession(
        Config(
            ip_filter_enable=not allow_local,
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=(CONNECT_TIMEOUT, TOTAL_TIMEOUT),
        )
    )
    # Nothing from the worker's environment: a proxy there (HTTPS_PROXY…) would be the
    # address checked and connected to, not the target's, and ~/.netrc could add its
    # credentials to a partner's request. (Reading the environment on every request was
    # also a seventh of a delivery's time.)
    session.trust_env = False
    return session


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"


@dataclass
class Response:
    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST once; never raises for network trouble: the outcome is in the Response."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        check_scheme_and_credentials(url)
        response = _session(local_targets_allowed(), _origin(url)).post(
            url,
            data=body,
            headers=headers,
            timeout=(CONNECT_TIMEOUT, TOTAL_TIMEOUT),
            allow_redirects=False,
            stream=True,
        )
    except ValidationError as exc:
        return Response(None, elapsed_ms(), error=f"Adresse refusée : {exc.messages[0]}")
    except requests.RequestException as exc:
        return Response(None, elapsed_ms(), error=_describe(exc))
    with response:
        raw, error = _read_capped(response, started)
    excerpt = raw[:EXCERPT_CHARS].decode("utf-8", errors="replace")
    if response.is_redirect or 300 <= response.status_code < 400:
        error = error or "Redirection non suivie : l'adresse doit répondre directement."
    return Response(
        response.status_code,
        elapsed_ms(),
        excerpt=excerpt,
        error=error,
        retry_after=_retry_after(response.headers.get("Retry-After")),
    )


def _read_capped(response, started: float) -> tuple[bytes, str]:
    """At most 64 KiB of the body, within the 15 s budget of the whole request."""
    received = bytearray()
    try:
        for chunk in response.iter_content(8192):
            received += chunk
            if len(received) >= MAX_RESPONSE_BYTES:
                break
            if time.monotonic() - started > TOTAL_TIMEOUT:
                return bytes(received), "Réponse trop lente : lecture interrompue après 15 s."
    except requests.RequestException as exc:
        return bytes(received), _describe(exc)
    return bytes(received[:MAX_RESPONSE_BYTES]), ""


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, InvalidIPAddress):
        return (
            f"Adresse refusée : {exc} est une adresse privée, locale ou réservée "
            "(protection contre les requêtes internes)."
        )
    if isinstance(exc, requests.ConnectTimeout):
        return f"Délai de connexion dépassé ({CONNECT_TIMEOUT:.0f} s)."
    if isinstance(exc, requests.Timeout):
        return f"Délai de réponse dépassé ({TOTAL_TIMEOUT:.0f} s)."
    if isinstance(exc, requests.exceptions.SSLError):
        return "Erreur de certificat ou de chiffrement TLS."
    if isinstance(exc, requests.ConnectionError):
        return "Connexion impossible (serveur injoignable ou nom de domaine inconnu)."
    return f"Erreur lors de l'envoi : {type(exc).__name__}."


def _retry_after(value: str | None) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if (seconds := plain_int(value, max_digits=9)) is not None:  # up to 31 years
        return timedelta(seconds=seconds)
    try:
        when: datetime = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when - timezone.now(), timedelta(0))
