"""Notifications of the public flow, sent by Celery after commit. Tasks take ids."""

from __future__ import annotations

import requests
from celery import shared_task
from django.utils import formats, timezone

from agents.models import Agent
from booking.tokens import rdv_url
from config.mail import send_templated_mail
from config.sms import send_sms
from rdvs.models import Rdv
from territories.tasks import TerritoryTask

# Every task here works on one RDV, inside its territory's scope.
ON_ONE_RDV = {"base": TerritoryTask, "territory_from": (Rdv, "rdv_pk")}


def _rdv(rdv_pk: int) -> Rdv | None:
    return (
        Rdv.objects.select_related("motif", "organisation")
        .prefetch_related("user_records", "agents")
        .filter(pk=rdv_pk)
        .first()
    )


@shared_task(**ON_ONE_RDV, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_rdv_mail(rdv_pk: int, change: str) -> None:
    """The usager's confirmation (booked or moved), with the "after" instruction."""
    rdv = _rdv(rdv_pk)
    if rdv is None:
        return
    context = {"rdv": rdv, "change": change, "url": rdv_url(rdv)}
    for user_record in rdv.user_records.all():
        if user_record.email:
            send_templated_mail(
                "booking/mail/confirmation",
                {**context, "user_record": user_record},
                [user_record.email],
                reply_to=[rdv.organisation.email] if rdv.organisation.email else None,
            )


def sms_text(rdv: Rdv, change: str) -> str:
    when = formats.date_format(timezone.localtime(rdv.starts_at), "l j F Y à H\\hi")
    verb = "déplacé au" if change == "moved" else "confirmé le"
    return (
        f"RDV {rdv.motif.name} {verb} {when}, {rdv.organisation.name}. "
        f"Infos et annulation : {rdv_url(rdv)}"
    )


@shared_task(
    **ON_ONE_RDV,
    autoretry_for=(OSError, requests.RequestException),
    retry_backoff=True,
    max_retries=5,
)
def send_rdv_sms(rdv_pk: int, change: str) -> None:
    rdv = _rdv(rdv_pk)
    if rdv is None:
        return
    for user_record in rdv.user_records.all():
        if user_record.phone:
            send_sms(user_record.phone, sms_text(rdv, change))


@shared_task(**ON_ONE_RDV, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_agents(rdv_pk: int, change: str, agent_ids: list[int] | None = None) -> None:
    """Tell the RDV's agents (or those given, e.g. before and after a move) that the
    usager moved or cancelled it."""
    rdv = _rdv(rdv_pk)
    if rdv is None:
        return
    agents = Agent.objects.filter(pk__in=agent_ids) if agent_ids else rdv.agents.all()
    for agent in agents:
        send_templated_mail(
            "booking/mail/agent_notice",
            {"rdv": rdv, "change": change, "agent": agent, "user_records": rdv.user_records.all()},
            [agent.email],
        )
