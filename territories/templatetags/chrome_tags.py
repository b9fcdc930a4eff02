"""The data the page chrome hands to django-dsfr's tags and templates.

django-dsfr renders the DSFR components from plain dicts and lists; Django templates
cannot build those, so these small tags do and leave the markup to django-dsfr."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from dsfr.templatetags.dsfr_tags import dsfr_breadcrumb

register = template.Library()

# DSFR pictograms (shipped in the django-dsfr wheel) shown on the tiles that lead to a
# section or an agent's screen, by section key; a key missing here gets the default.
PICTOGRAMS = {
    "agents": "digital/avatar.svg",
    "webhooks": "system/flow-settings.svg",
    "user_records": "document/national-identity-card.svg",
    "rdv_settings": "document/contract.svg",
    "motifs": "system/flow-list.svg",
    "services": "environment/human-cooperation.svg",
    "organisations": "buildings/city-hall.svg",
    "agenda": "digital/calendar.svg",
    "records": "document/document-search.svg",
    "availability": "digital/in-progress.svg",
    "territory": "map/location-france.svg",
    "statistics": "digital/data-visualization.svg",
}
DEFAULT_PICTOGRAM = "digital/application.svg"


@register.simple_tag
def pictogram(key: str) -> str:
    """The static URL of a tile's pictogram, for `{% dsfr_tile svg_path=… %}`."""
    name = PICTOGRAMS.get(key, DEFAULT_PICTOGRAM)
    return static(f"dsfr/dist/artwork/pictograms/{name}")


@register.simple_tag
def page_skiplinks(side_menu: bool = False) -> list[dict]:
    """The skip links for `{% dsfr_skiplinks %}`: the content, then the territory's
    side menu on the pages that show it."""
    if not side_menu:
        return [{"link": "#contenu", "label": "Contenu"}]
    # Past the breadcrumb and the side menu, straight to the page's own content.
    return [
        {"link": "#contenu-page", "label": "Contenu"},
        {"link": "#navigation-territoire", "label": "Menu de l'espace"},
    ]


@register.inclusion_tag("dsfr/breadcrumb.html", takes_context=True)
def territory_breadcrumb(context, *links, current=None):
    """django-dsfr's breadcrumb for a page of a territory.

    It starts at "Mes territoires" and the territory, then the (title, url) pairs given
    in `links`, then `current`. Without `current` the territory is the current page.
    """
    if len(links) % 2:
        raise template.TemplateSyntaxError("territory_breadcrumb takes (title, url) pairs")
    territory = context["territory"]
    crumbs = [{"title": "Mes territoires", "url": reverse("territories:list")}]
    if current is None:
        current = str(territory)
    else:
        crumbs.append(
            {
                "title": str(territory),
                "url": reverse("territories:dashboard", kwargs={"territory_pk": territory.pk}),
            }
        )
    crumbs += [
        {"title": title, "url": url} for title, url in zip(links[::2], links[1::2], strict=True)
    ]
    return dsfr_breadcrumb(
        context, {"links": crumbs, "current": current, "root_dir": reverse("home")}
    )
