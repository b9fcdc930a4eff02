from django import template

from motifs.text import plain_text_to_html

register = template.Library()


@register.filter
def plain_text(text: str | None):
    """`{{ motif.instructions_after|plain_text }}`: line breaks kept, links clickable."""
    return plain_text_to_html(text)
