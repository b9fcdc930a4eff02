"""Notifications of the public flow, sent by Celery after commit. Tasks take ids."""

from __future__ import annotations

from collections import defaultdict

import requests
from celery import shared_task

from agents.models import Agent
from booking import slot_alerts
from config.mail import send_templated_mail
from motifs.models import Motif, MotifSlotAlert
from rdvs.models import Rdv
from rdvs.notices import mail_usagers, rdv_for_notice, sms_usagers
from territories.models import Territory, TerritoryAdmin
from territories.tasks import CrossTerritoryTask, TerritoryTask

# The notification tasks work on one RDV, inside its territory's scope.
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


@shared_task(base=CrossTerritoryTask)
def check_online_slots() -> int:
    """Daily, in the morning: one check per territory that has motifs open online (see
    booking.slot_alerts); the alerts of the other territories are dropped."""
    motif_pks: dict[int, list[int]] = defaultdict(list)
    # Across territories by design (a sweeper): each check then runs in its territory.
    candidates = Motif.objects.filter(bookable_by_public=True, archived_at__isnull=True)
    for territory_id, pk in candidates.order_by("pk").values_list("territory_id", "pk"):
        motif_pks[territory_id].append(pk)
    MotifSlotAlert.objects.exclude(territory_id__in=list(motif_pks)).delete()
    for pks in motif_pks.values():
        check_territory_slots.delay_on_commit(pks)
    return len(motif_pks)


@shared_task(base=TerritoryTask, territory_from=(Motif, "motif_pks"))
def check_territory_slots(motif_pks: list[int]) -> int:
    """Store the territory's motifs open online without a slot, and mail the list to
    the territory admins when it is not empty."""
    territory = Territory.objects.get(
        pk=Motif.objects.filter(pk__in=motif_pks).values("territory_id")[:1]
    )
    alerts = list(slot_alerts.refresh(territory, motif_pks))
    if alerts:
        admins = TerritoryAdmin.objects.filter(
            territory=territory, agent__is_active=True, agent__email__isnull=False
        ).select_related("agent")
        for admin in admins:
            send_templated_mail(
                "booking/mail/slot_alerts",
                {"territory": territory, "alerts": alerts},
                [admin.agent.email],
            )
    return len(alerts)
