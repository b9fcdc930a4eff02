from django import template
from django.urls import reverse

from proconnect.client import is_enabled

register = template.Library()


def _button(context, action: str, next_url: str = "") -> dict:
    return {
        "enabled": is_enabled(),
        "action": action,
        "next": next_url,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("proconnect/button.html", takes_context=True)
def proconnect_login_button(context, next_url: str = "") -> dict:
    """The ProConnect button of the login page; nothing while ProConnect is off."""
    return _button(context, reverse("proconnect:login"), next_url)


@register.inclusion_tag("proconnect/button.html", takes_context=True)
def proconnect_invitation_button(context) -> dict:
    """The button of the invitation page, for the token of the link being shown."""
    token = context["request"].resolver_match.kwargs["token"]
    return _button(context, reverse("proconnect:invitation", kwargs={"token": token}))
