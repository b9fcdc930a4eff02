from django.db.models import Exists, OuterRef, QuerySet, Subquery

from notifications.models import DeliveryStatus, SentMessage


def messages_about_rdv(rdv) -> QuerySet[SentMessage]:
    """What was sent about this RDV, newest first (index sent_message_rdv)."""
    return SentMessage.objects.filter(rdv=rdv).order_by("-sent_at", "-pk")


def last_invitation_mail_failed() -> Exists:
    """For an invitation queryset: the provider reported its latest mail undelivered."""
    latest = (
        SentMessage.objects.filter(invitation=OuterRef(OuterRef("pk")))
        .order_by("-sent_at", "-pk")
        .values("pk")[:1]
    )
    return Exists(SentMessage.objects.filter(pk=Subquery(latest), status=DeliveryStatus.FAILED))


def messages_about_invitation(invitation) -> QuerySet[SentMessage]:
    return SentMessage.objects.filter(invitation=invitation).order_by("-sent_at", "-pk")
