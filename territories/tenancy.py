"""Tenancy: the territory comes from the URL and is resolved once, with the caller's
membership (territories.permissions keeps it for the rest of the request).

Outsiders get 404 (the territory's existence is not revealed), members without
the right get 403 (from the views, asking territories.permissions). Inside a
territory URL, django-scopes restricts every scoped model to that territory;
elsewhere scoped queries fail loudly unless a view opens a scope itself (the Django
admin runs with scopes disabled: support staff see all).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_scopes import scope, scopes_disabled

from territories import permissions
from territories.models import Territory


class TerritoryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.territory = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            with scope():
                return self.get_response(request)
        if match.app_names[:1] == ["admin"]:
            with scopes_disabled():
                return self.get_response(request)
        territory_pk = match.kwargs.get("territory_pk")
        if territory_pk is None:
            with scope():
                return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(back_after_login(request, territory_pk))
        territory = Territory.objects.filter(pk=territory_pk).first()
        if not permissions.is_member(request.user, territory):
            raise Http404("Territoire introuvable.")
        request.territory = territory
        with scope(territory=territory):
            return self.get_response(request)


def back_after_login(request, territory_pk: int) -> str:
    """Where to send an anonymous caller once logged in: the page itself for a GET;
    for a form posted after the session expired, the page the form was on (the
    action URL may accept only POST), else the territory dashboard."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        page = urlsplit(referer)
        return f"{page.path}?{page.query}" if page.query else page.path
    return reverse("territories:dashboard", kwargs={"territory_pk": territory_pk})
