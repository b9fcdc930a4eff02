from django import template

from territories.sections import SECTIONS

register = template.Library()


@register.simple_tag
def territory_sections(territory):
    return [(section, section.url(territory)) for section in SECTIONS]
