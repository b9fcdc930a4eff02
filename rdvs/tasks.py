from celery import shared_task
from django.urls import reverse

from config.mail import send_templated_mail
from rdvs.models import Rdv, RdvAgent
from territories.tasks import TerritoryTask


@shared_task(
    base=TerritoryTask,
    territory_from=(Rdv, "rdv_pk"),
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
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
