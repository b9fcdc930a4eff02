"""Sending the project's mails: French, HTML + text, from templates."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string


def send_templated_mail(
    template_prefix: str,
    context: dict,
    to: list[str],
    *,
    reply_to: list[str] | None = None,
) -> EmailMultiAlternatives:
    """Render <prefix>_subject.txt, <prefix>.txt and <prefix>.html and send them. The
    message is returned: anymail's backends leave the provider's id on it."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(_render_plain(f"{template_prefix}_subject.txt", context).split())
    text = _render_plain(f"{template_prefix}.txt", context)
    html = render_to_string(f"{template_prefix}.html", context)
    message = EmailMultiAlternatives(subject, text, to=to, reply_to=reply_to or None)
    message.attach_alternative(html, "text/html")
    message.send()
    return message


def _render_plain(template_name: str, context: dict) -> str:
    """Subject and text part are not HTML: "l'accueil" must not become "l&#x27;accueil"."""
    return get_template(template_name).template.render(Context(context, autoescape=False))
