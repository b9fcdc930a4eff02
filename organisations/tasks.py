"""Mails of the Services section, sent by the workers."""

from celery import shared_task
from django.conf import settings

from config.mail import send_templated_mail
from organisations.models import ServiceRequest
from territories.tasks import TerritoryTask


@shared_task(
    base=TerritoryTask,
    territory_from=(ServiceRequest, "service_request_pk"),
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_service_request(service_request_pk: int) -> None:
    """The request, to the support staff; their answer goes to the admin who asked."""
    service_request = ServiceRequest.objects.select_related("territory", "requested_by").get(
        pk=service_request_pk
    )
    asker = service_request.requested_by
    send_templated_mail(
        "organisations/mail/service_request",
        {
            "service_request": service_request,
            "organisations": service_request.organisations.order_by("name"),
        },
        [settings.SUPPORT_EMAIL],
        reply_to=[asker.email] if asker is not None and asker.email else None,
    )
