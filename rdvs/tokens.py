"""The usager's link to their RDV: the id plus a keyed hash, short enough for an SMS."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from config.numbers import plain_int

# Kept from the days this module was rdvs.booking.tokens (then booking.tokens): links
# already sent stay valid.
SALT = "rdvs.booking.rdv-link"


def _signature(pk: int) -> str:
    return salted_hmac(SALT, str(pk)).hexdigest()[:24]


def rdv_token(rdv) -> str:
    return f"{rdv.pk}-{_signature(rdv.pk)}"


def rdv_pk_from_token(token: str) -> int | None:
    text, _, signature = token.partition("-")
    pk = plain_int(text)
    if pk is None or not constant_time_compare(signature, _signature(pk)):
        return None
    return pk


def rdv_url(rdv) -> str:
    """Absolute URL of the usager's RDV page (for mails and SMS)."""
    return settings.SITE_URL + reverse("booking:rdv_detail", kwargs={"token": rdv_token(rdv)})
