from django import template

from territories.sections import AGENT_SCREENS, SECTIONS

register = template.Library()


@register.simple_tag
def territory_sections(territory):
    return [(section, section.url(territory)) for section in SECTIONS]


@register.simple_tag
def agent_screens(territory):
    return [(screen, screen.url(territory)) for screen in AGENT_SCREENS]


@register.simple_tag(takes_context=True)
def current_menu_key(context) -> str:
    """Which menu entry the page belongs to (sections put `section` in the context)."""
    section = context.get("section")
    if section is not None:
        return section.key
    match = getattr(context.get("request"), "resolver_match", None)
    namespace = match.namespace if match else ""
    return {"rdvs": "agenda", "availability": "availability"}.get(namespace, "")
