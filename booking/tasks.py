"""Notifications of the public flow, sent by Celery after commit. Tasks take ids."""

from __future__ import annotations

import requests
from celery import shared_task

from agents.models import Agent
from config.mail import send_templated_mail
from rdvs.models import Rdv
from rdvs.notices import mail_usagers, rdv_for_notice, sms_usagers
from territories.tasks import TerritoryTask

# Every task here works on one RDV, inside its territory's scope.
ON_ONE_RDV = {"base": TerritoryTask, "territory_from": (Rdv, "rdv_pk")}


@shared_task(**ON_ONE_RDV, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_rdv_mail(rdv_pk: int, change: str) -> None:
    """The usager's confirmation (booked or moved), with the "after" instruction."""
    rdv = rdv_for_notice(rdv_pk)
    if rdv is None:
        return
    mail_usagers(rdv, change, "booking/mail/confirmation")


@shared_task(
    **ON_ONE_RDV,
    autoretry_for=(OSError, requests.RequestException),
    retry_backoff=True,
    max_retries=5,
)
def send_rdv_sms(rdv_pk: int, change: str) -> None:
    rdv = rdv_for_notice(rdv_pk)
    if rdv is None:
        return
    sms_usagers(rdv, change)


@shared_task(**ON_ONE_RDV, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_agents(rdv_pk: int, change: str, agent_ids: list[int] | None = None) -> None:
    """Tell the RDV's agents (or those given, e.g. before and after a move) that the
    usager moved or cancelled it."""
    rdv = rdv_for_notice(rdv_pk)
    if rdv is None:
        return
    agents = Agent.objects.filter(pk__in=agent_ids) if agent_ids else rdv.agents.all()
    for agent in agents:
        send_templated_mail(
            "booking/mail/agent_notice",
            {"rdv": rdv, "change": change, "agent": agent, "user_records": rdv.user_records.all()},
            [agent.email],
        )
