import logging
import smtplib
from datetime import timedelta
from zoneinfo import ZoneInfo

from anymail.exceptions import AnymailAPIError
from celery import shared_task
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agents.invitations import issue_token
from agents.invitations import prune_stale_invitations as prune
from agents.models import Agent, Invitation
from config.mail import send_templated_mail
from notifications.models import MessageKind
from notifications.sending import send_logged_mail
from territories.tasks import CrossTerritoryTask, TerritoryTask

logger = logging.getLogger(__name__)

# Errors after which the same mail may well go through a little later.
TRANSIENT_MAIL_ERRORS = (AnymailAPIError, OSError, smtplib.SMTPException)
INVITATION_MAIL_RETRIES = 5
PARIS = ZoneInfo("Europe/Paris")


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


@shared_task(
    bind=True,
    base=TerritoryTask,
    territory_from=(Invitation, "invitation_pk"),
    max_retries=INVITATION_MAIL_RETRIES,
)
def send_invitation_mail(self, invitation_pk: int) -> None:
    """Issue the invitation's token and mail the link; the invitation records the
    outcome (sent_at, or send_failed once the retries are spent)."""
    invitation = (
        Invitation.objects.select_related("territory", "invited_by")
        .filter(pk=invitation_pk, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    token = issue_token(invitation)
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "territory": invitation.territory,
        "inviter": inviter,
        "services": list(invitation.services.all()),
        "organisations": list(invitation.organisations.all()),
        "path": reverse("invitation_accept", kwargs={"token": token}),
        "expires_at": timezone.localtime(invitation.expires_at, PARIS),
    }
    try:
        send_logged_mail(
            "agents/mail/invitation",
            context,
            invitation.email,
            territory_id=invitation.territory_id,
            kind=MessageKind.INVITATION,
            invitation_id=invitation.pk,
            reply_to=[inviter.email] if inviter else None,
        )
    except TRANSIENT_MAIL_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            _record_failure(invitation)
            raise
        logger.warning("Invitation %s: mail not sent yet (%s), retrying", invitation_pk, exc)
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
    except Exception:
        _record_failure(invitation)
        raise
    invitation.sent_at = timezone.now()
    invitation.send_failed = False
    invitation.save(update_fields=["sent_at", "send_failed"])


def _record_failure(invitation: Invitation) -> None:
    invitation.send_failed = True
    invitation.save(update_fields=["send_failed"])


@shared_task(base=CrossTerritoryTask)
def prune_stale_invitations() -> int:
    """Daily: forget invitations expired or revoked more than 30 days ago."""
    return prune(older_than=timezone.now() - timedelta(days=30))
