"""The page chrome rendered by django-dsfr's tags: header, breadcrumb, messages,
pagination, assets. (The browser suite checks that its scripts run without error.)"""

import re

from django.urls import reverse

from tests.factories import OrganisationFactory


def breadcrumb(html: str) -> list[str]:
    """The breadcrumb's entries, as "text -> href" or "text (current)"."""
    trail = re.search(r'<ol class="fr-breadcrumb__list">(.*?)</ol>', html, re.S).group(1)
    entries = []
    for attrs, text in re.findall(r"<a ([^>]*)>(.*?)</a>", trail, re.S):
        href = re.search(r'href="([^"]*)"', attrs)
        current = 'aria-current="page"' in attrs
        entries.append(
            f"{text.strip()} -> {href.group(1)}" if href else f"{text.strip()} (current)"
        )
        assert current != bool(href)
    return entries


def test_a_members_header_has_the_burger_and_the_mobile_menu(admin_client, territory):
    html = admin_client.get(reverse("territories:dashboard", args=[territory.pk])).text
    header = re.search(r"<header.*</header>", html, re.S).group(0)
    assert 'class="fr-header__tools-links"' in header
    assert 'id="fr-btn-menu-mobile"' in header and 'aria-controls="fr-menu-mobile"' in header
    # The DSFR script copies the tool links into this element for screens below 992 px.
    assert '<div class="fr-header__menu-links"></div>' in header
    assert "Mes territoires" in header and "Se déconnecter" in header


def test_an_anonymous_header_has_no_tools_and_no_burger(client):
    html = client.get(reverse("login")).text
    header = re.search(r"<header.*</header>", html, re.S).group(0)
    assert "fr-header__tools-links" not in header
    assert "fr-btn--menu" not in header and "fr-header__menu" not in header
    assert "Configurer son espace RDV Service Public" in header


def test_the_public_pages_keep_their_tagline(client, db):
    html = client.get("/prendre-rdv/").text
    assert "Prendre rendez-vous avec un service public" in html


def test_the_breadcrumb_leads_back_through_the_territory_and_section(
    admin_client, territory, organisation
):
    html = admin_client.get(
        reverse("organisations:organisation_detail", args=[territory.pk, organisation.pk])
    ).text
    assert breadcrumb(html) == [
        "Accueil -> /",
        "Mes territoires -> /territoires/",
        f"Drôme (26) -> /territoires/{territory.pk}/",
        f"Organisations -> /territoires/{territory.pk}/organisations/",
        "Maison des solidarités de Valence (current)",
    ]
    dashboard = admin_client.get(reverse("territories:dashboard", args=[territory.pk])).text
    assert breadcrumb(dashboard) == [
        "Accueil -> /",
        "Mes territoires -> /territoires/",
        "Drôme (26) (current)",
    ]


def test_messages_show_what_users_typed_as_text(admin_client, territory):
    response = admin_client.post(
        reverse("organisations:create", args=[territory.pk]),
        {"name": "CCAS <em>de</em> Romans", "address": "2 rue Jacquemart, Romans"},
        follow=True,
    )
    assert "« CCAS &lt;em&gt;de&lt;/em&gt; Romans » est créée" in response.text
    assert "<em>de</em>" not in response.text
    assert 'class="fr-alert fr-alert--success fr-alert--sm' in response.text


def test_pagination_shows_only_when_there_is_a_second_page(admin_client, territory):
    list_url = reverse("organisations:section", args=[territory.pk])
    assert "fr-pagination" not in admin_client.get(list_url).text
    OrganisationFactory.create_batch(30, territory=territory)
    html = admin_client.get(list_url).text
    assert 'class="fr-pagination"' in html and "Page suivante" in html


def test_design_system_assets_carry_no_integrity_hash(admin_client, territory):
    # The production static storage rewrites dsfr.min.css: the wheel's hash would no
    # longer match and the browser would refuse the stylesheet.
    html = admin_client.get(reverse("territories:dashboard", args=[territory.pk])).text
    assert "dsfr/dist/dsfr/dsfr.min.css" in html and "dsfr.module.min.js" in html
    assert "integrity=" not in html
