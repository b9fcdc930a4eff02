"""What the usagers of an RDV are told, and by which channel: confirmations (booking),
changes made by an agent (moved, cancelled) and reminders.

A usager is told by mail when their record has an address and accepts mail, by SMS
when it has a number and accepts SMS (`UserRecord.notify_by_email`, `notify_by_sms`).
"""

from __future__ import annotations

from django.utils import formats, timezone

from notifications.models import MessageKind
from notifications.sending import send_logged_mail, send_logged_sms
from rdvs.models import Rdv
from rdvs.tokens import rdv_url
from user_records.models import UserRecord

KINDS = {
    "created": MessageKind.RDV_CREATED,
    "moved": MessageKind.RDV_MOVED,
    "cancelled": MessageKind.RDV_CANCELLED,
    "reminder": MessageKind.RDV_REMINDER,
}


def rdv_for_notice(rdv_pk: int) -> Rdv | None:
    return (
        Rdv.objects.select_related("motif", "organisation")
        .prefetch_related("user_records", "agents")
        .filter(pk=rdv_pk)
        .first()
    )


def by_mail(rdv: Rdv) -> list[UserRecord]:
    return [record for record in rdv.user_records.all() if record.email and record.notify_by_email]


def by_sms(rdv: Rdv) -> list[UserRecord]:
    return [record for record in rdv.user_records.all() if record.phone and record.notify_by_sms]


def sms_text(rdv: Rdv, change: str) -> str:
    when = formats.date_format(timezone.localtime(rdv.starts_at), "l j F Y à H\\hi")
    place = rdv.organisation.name
    url = rdv_url(rdv)
    if change == "cancelled":
        return f"Votre RDV {rdv.motif.name} du {when}, {place}, est annulé. Infos : {url}"
    if change == "reminder":
        return f"Rappel : RDV {rdv.motif.name} le {when}, {place}. Infos et annulation : {url}"
    verb = "déplacé au" if change == "moved" else "confirmé le"
    return f"RDV {rdv.motif.name} {verb} {when}, {place}. Infos et annulation : {url}"


def mail_usagers(rdv: Rdv, change: str, template_prefix: str) -> None:
    """One mail per usager who accepts mail, logged, replying to the organisation."""
    url = rdv_url(rdv)
    for user_record in by_mail(rdv):
        send_logged_mail(
            template_prefix,
            {"rdv": rdv, "change": change, "url": url, "user_record": user_record},
            user_record.email,
            territory_id=rdv.territory_id,
            kind=KINDS[change],
            rdv_id=rdv.pk,
            reply_to=[rdv.organisation.email] if rdv.organisation.email else None,
        )


def sms_usagers(rdv: Rdv, change: str) -> None:
    """One SMS per usager who accepts SMS, logged."""
    text = sms_text(rdv, change)
    for user_record in by_sms(rdv):
        send_logged_sms(
            user_record.phone,
            text,
            territory_id=rdv.territory_id,
            kind=KINDS[change],
            rdv_id=rdv.pk,
        )
