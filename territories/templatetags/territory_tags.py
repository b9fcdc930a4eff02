from django import template

from territories import sections

register = template.Library()


@register.simple_tag
def territory_sections(territory):
    return [(section, section.url(territory)) for section in sections.configuration_sections()]


@register.simple_tag(takes_context=True)
def agent_screens(context, territory):
    """The screens the logged-in agent may open (statistics: administrators only)."""
    agent = context["request"].user
    return [(screen, screen.url(territory)) for screen in sections.agent_screens(agent, territory)]


@register.simple_tag(takes_context=True)
def current_menu_key(context) -> str:
    """Which menu entry the page belongs to: its section's (see territories.sections)."""
    section = context.get("section")
    return section.key if section is not None else ""
