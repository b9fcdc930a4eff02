"""The section registry: every page of a territory belongs to one section — a tile of
the configuration dashboard and an entry of the side menu (the help page's seven
sections, in its order), or one of the agents' daily screens.

Feature apps register their sections in their AppConfig.ready(): the ground floor
knows none of them by name. A view is put in its section by `SectionMixin` (class
views) or `in_section` (function views), the one way to do it: the section decides
who may open the page (asking territories.permissions) and is what the title,
breadcrumb and side menu read (`section` in the template context).

URL names follow the registry: `<app>:section` is always the section's landing page,
the one its tile and menu entry link to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from territories import permissions


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    url_name: str
    icon: str
    summary: str
    order: int  # position in the help page (configuration) or in the agents' menu
    is_configuration: bool = True  # False: an agents' daily screen, open to every member
    # An agents' screen for administrators only: territory admins and organisations' admins.
    admins_only: bool = False

    def url(self, territory) -> str:
        return reverse(self.url_name, kwargs={"territory_pk": territory.pk})


_registry: dict[str, Section] = {}


def register(*sections: Section) -> None:
    """Called by feature apps in AppConfig.ready()."""
    for section in sections:
        known = _registry.get(section.key)
        if known is not None and known != section:
            raise ImproperlyConfigured(f"Two sections are registered as {section.key!r}.")
        _registry[section.key] = section


def get_section(key: str) -> Section:
    try:
        return _registry[key]
    except KeyError:
        raise ImproperlyConfigured(f"No section {key!r} is registered.") from None


def configuration_sections() -> list[Section]:
    return sorted((s for s in _registry.values() if s.is_configuration), key=lambda s: s.order)


def agent_screens(agent=None, territory=None) -> list[Section]:
    """The agents' screens; given an agent and a territory, those the agent may open."""
    screens = (s for s in _registry.values() if not s.is_configuration)
    if agent is not None:
        screens = (s for s in screens if permissions.can_open_section(agent, territory, s))
    return sorted(screens, key=lambda s: s.order)


def enter_section(request, key: str, organisation_pk=None) -> None:
    """Refuse the caller who may not open the section (403), else put the page in it.
    `organisation_pk`: the page is about that organisation (its admins may open it)."""
    section = get_section(key)
    permissions.require_section(request, section, organisation_pk)
    request.section = section


class SectionMixin:
    """Puts a class-based view in its section (`section_key`), checking who may open it.

    `organisation_kwarg` names the URL keyword of the organisation a configuration
    page is about, for the pages its own admins may open too (its details)."""

    section_key = ""
    organisation_kwarg: str | None = None

    def dispatch(self, request, *args, **kwargs):
        organisation_pk = kwargs.get(self.organisation_kwarg) if self.organisation_kwarg else None
        enter_section(request, self.section_key, organisation_pk)
        return super().dispatch(request, *args, **kwargs)


def in_section(key: str):
    """Function-view counterpart of SectionMixin: `@in_section("agents")`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            enter_section(request, key)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
