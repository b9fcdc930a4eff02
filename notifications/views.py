"""The provider's delivery reports reach anymail's tracking webhook here."""

from anymail.webhooks.brevo import BrevoTrackingWebhookView
from django.conf import settings
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

_brevo_tracking = BrevoTrackingWebhookView.as_view()


@csrf_exempt  # the provider has no CSRF token: basic auth stands for it
def brevo_tracking(request, *args, **kwargs):
    """Anymail authenticates the provider by HTTP basic auth (ANYMAIL_WEBHOOK_SECRET);
    without a secret configured the URL does not exist rather than accept anyone."""
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404
    return _brevo_tracking(request, *args, **kwargs)
