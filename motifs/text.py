"""Motif instructions are plain text: shown with their line breaks and clickable links,
never as HTML. One function for every place that shows them (admin pages, the online
booking flow, confirmation mails)."""

from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines


def plain_text_to_html(text: str | None) -> SafeString:
    # urlize escapes everything that is not a link it builds, so the result is safe.
    html = urlize(normalize_newlines(text or ""), nofollow=True, autoescape=True)
    return mark_safe(html.replace("\n", "<br>"))  # noqa: S308
