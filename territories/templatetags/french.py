from django import template

from territories import french

register = template.Library()


@register.filter(is_safe=True)
def de(value) -> str:
    """`{{ agent|de }}`: "de Bob", "d'Élodie" (autoescaped like any value)."""
    return french.de(value)
