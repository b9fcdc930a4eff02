"""Tenancy: the territory comes from the URL, is resolved once, with the caller's role.

Outsiders get 404 (the territory's existence is not revealed), members without
the right get 403. Inside a territory URL, django-scopes restricts every scoped
model to that territory; elsewhere scoped queries fail loudly unless a view opens
a scope itself (the Django admin runs with scopes disabled: support staff see all).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_scopes import scope, scopes_disabled

from territories.models import AgentRole, Territory, TerritoryAdmin

ROLE_ADMIN = "admin"  # Administrateur d'Espace
ROLE_AGENT = "agent"  # agent of at least one organisation of the territory


def role_in_territory(agent, territory: Territory) -> str | None:
    if not agent.is_authenticated or not agent.is_active:
        return None
    if TerritoryAdmin.objects.filter(agent=agent, territory=territory).exists():
        return ROLE_ADMIN
    with scope(territory=territory):
        if AgentRole.objects.filter(agent=agent).exists():
            return ROLE_AGENT
    return None


class TerritoryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.territory = None
        request.agent_role = None
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
        role = role_in_territory(request.user, territory) if territory else None
        if role is None:
            raise Http404("Territoire introuvable.")
        request.territory = territory
        request.agent_role = role
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


def require_territory_admin(request) -> None:
    if request.agent_role != ROLE_ADMIN:
        raise PermissionDenied("Cette page est réservée aux administrateurs d'espace.")


class TerritoryAdminRequiredMixin:
    """For the configuration sections: territory admins only (others: 403)."""

    def dispatch(self, request, *args, **kwargs):
        require_territory_admin(request)
        return super().dispatch(request, *args, **kwargs)


class TerritoryMemberRequiredMixin:
    """For agents' daily screens: any member (the middleware already 404s outsiders)."""

    def dispatch(self, request, *args, **kwargs):
        if request.agent_role is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def territory_admin_required(view):
    """Function-view counterpart of TerritoryAdminRequiredMixin."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_territory_admin(request)
        return view(request, *args, **kwargs)

    return wrapped
