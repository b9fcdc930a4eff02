"""Mails and SMS about RDVs, sent by Celery after commit: the waiting room's notice to
agents, the usagers' notices of an agent's change, and the reminders."""

import requests
from celery import shared_task
from django.db import transaction
from django.urls import reverse

from config.mail import send_templated_mail
from rdvs.models import Rdv, RdvAgent, RdvStatus
from rdvs.notices import mail_usagers, rdv_for_notice, sms_usagers
from rdvs.reminders import (
    BATCH_SIZE,
    CHANNELS,
    claim_due_reminders,
    give_back,
    lost_reminders,
    start_sending,
)
from territories.tasks import CrossTerritoryTask, TerritoryTask

# Every task here but the sweep works on one RDV, inside its territory's scope.
ON_ONE_RDV = {"base": TerritoryTask, "territory_from": (Rdv, "rdv_pk")}
# Errors after which the same message may well leave a little later (anymail's API
# errors are requests' too).
SEND_ERRORS = (OSError, requests.RequestException)
# The usager's mail when an agent moved or cancelled the RDV, and the reminder.
NOTICE = "rdvs/mail/usager_notice"


@shared_task(**ON_ONE_RDV, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_arrival_mail(rdv_pk: int, agent_pk: int) -> None:
    """Tell one agent of the RDV that the usager is in the waiting room."""
    link = (
        RdvAgent.objects.filter(rdv_id=rdv_pk, agent_id=agent_pk, agent__is_active=True)
        .select_related("agent", "rdv__motif", "rdv__organisation")
        .first()
    )
    if link is None or link.rdv.arrived_at is None or not link.agent.email:
        return
    rdv: Rdv = link.rdv
    context = {
        "agent": link.agent,
        "rdv": rdv,
        "user_records": list(rdv.user_records.order_by("last_name", "first_name")),
        "path": reverse(
            "rdvs:rdv_detail", kwargs={"territory_pk": rdv.territory_id, "rdv_pk": rdv.pk}
        ),
    }
    send_templated_mail("rdvs/mail/usager_arrived", context, [link.agent.email])


@shared_task(**ON_ONE_RDV, autoretry_for=SEND_ERRORS, retry_backoff=True, max_retries=5)
def send_usager_mails(rdv_pk: int, change: str) -> None:
    """An agent moved or cancelled the RDV: its usagers are told by mail."""
    rdv = rdv_for_notice(rdv_pk)
    if rdv is not None:
        mail_usagers(rdv, change, NOTICE)


@shared_task(**ON_ONE_RDV, autoretry_for=SEND_ERRORS, retry_backoff=True, max_retries=5)
def send_usager_sms(rdv_pk: int, change: str) -> None:
    """An agent moved or cancelled the RDV: its usagers are told by SMS."""
    rdv = rdv_for_notice(rdv_pk)
    if rdv is not None:
        sms_usagers(rdv, change)


@shared_task(base=CrossTerritoryTask)
def send_due_reminders() -> int:
    """Every few minutes (Celery beat): claim the reminders due in every territory, by
    batches, and queue their sending once each claim is committed."""
    claimed = 0
    for channel in CHANNELS:
        while True:
            with transaction.atomic():
                batch = claim_due_reminders(channel)
                for reminder_pk, rdv_pk in batch:
                    send_reminder.delay_on_commit(rdv_pk, reminder_pk)
            claimed += len(batch)
            if len(batch) < BATCH_SIZE:
                break
    # Their first task never ran (the broker lost it): sending starts at most once anyway.
    for reminder_pk, rdv_pk in lost_reminders():
        send_reminder.delay(rdv_pk, reminder_pk)
    return claimed


@shared_task(**ON_ONE_RDV, autoretry_for=SEND_ERRORS, retry_backoff=True, max_retries=5)
def send_reminder(rdv_pk: int, reminder_pk: int) -> None:
    """Send one claimed reminder, unless another task started it or the RDV changed."""
    reminder = start_sending(reminder_pk)
    if reminder is None:
        return  # another task has it
    rdv = rdv_for_notice(rdv_pk)
    if rdv is None or rdv.status != RdvStatus.UNKNOWN or rdv.starts_at != reminder.starts_at:
        return  # cancelled or moved since it was claimed
    try:
        if reminder.channel == "email":
            mail_usagers(rdv, "reminder", NOTICE)
        else:
            sms_usagers(rdv, "reminder")
    except SEND_ERRORS:
        give_back(reminder)
        raise
