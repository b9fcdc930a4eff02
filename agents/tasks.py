from celery import shared_task
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agents.models import Agent
from config.mail import send_templated_mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_reset_mail(agent_pk: int) -> None:
    agent = Agent.objects.filter(pk=agent_pk, is_active=True).first()
    if agent is None:
        return
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(agent.pk)),
            "token": default_token_generator.make_token(agent),
        },
    )
    send_templated_mail("agents/mail/password_reset", {"agent": agent, "path": path}, [agent.email])
