"""Logging in (and joining a territory) with ProConnect, and logging out of both.

Every answer of the provider that is not a success — cancelled, unreachable, an
unknown state, a bad signature or nonce — becomes a French page; the log says
which kind of failure it was, never what the tokens were.
"""

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scope
from requests import RequestException

from agents import invitations as invitation_services
from proconnect import accounts, client

logger = logging.getLogger(__name__)

# Session key of the ID token, sent back as id_token_hint when the agent logs out.
ID_TOKEN_KEY = "proconnect_id_token"  # noqa: S105  (a session key, not a secret)
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _require_enabled() -> None:
    if not client.is_enabled():
        raise Http404


def _failure(request, reason: str, status: int, **context):
    return render(request, "proconnect/refused.html", {"reason": reason, **context}, status=status)


def _provider_failure(request, error: Exception):
    """The page for a failure on the provider's side; logged by kind only."""
    code = getattr(error, "error", None)
    # The code may come from the callback's query string: logged short and quoted.
    logger.warning("ProConnect login failed: %s (%r)", type(error).__name__, str(code)[:40])
    if code == "access_denied":
        return _failure(request, "cancelled", 400)
    if code == "mismatching_state":
        return _failure(request, "expired_request", 400)
    if isinstance(error, RequestException):
        return _failure(request, "unreachable", 502)
    return _failure(request, "verification_failed", 400)


def _callback_uri(request) -> str:
    return request.build_absolute_uri(reverse("proconnect:callback"))


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url("territories:list")


@require_POST
def start_login(request):
    _require_enabled()
    try:
        url = client.start(request, _callback_uri(request), next=request.POST.get("next", ""))
    except client.PROVIDER_ERRORS as error:
        return _provider_failure(request, error)
    return HttpResponseRedirect(url)


@require_POST
def start_invitation(request, token: str):
    """Accept an invitation with ProConnect: the link's token is checked here, then
    only the invitation's id travels with the state (raw tokens are never stored)."""
    _require_enabled()
    invitation = invitation_services.find_by_token(token)
    if invitation is None or not invitation.is_open or invitation.is_expired:
        return _failure(request, "invitation_invalid", 404)
    try:
        url = client.start(request, _callback_uri(request), invitation=invitation.pk)
    except client.PROVIDER_ERRORS as error:
        return _provider_failure(request, error)
    return HttpResponseRedirect(url)


@require_GET
def callback(request):
    _require_enabled()
    remembered = client.remembered(request)
    try:
        claims, id_token = client.finish(request)
    except client.PROVIDER_ERRORS as error:
        return _provider_failure(request, error)
    try:
        if remembered.get("invitation"):
            agent, invitation = _join(remembered["invitation"], claims)
        else:
            agent, invitation = accounts.agent_for(claims), None
    except accounts.Refusal as refusal:
        logger.info("ProConnect login refused: %s", refusal.reason)
        return _failure(request, refusal.reason, 403, **refusal.context)
    login(request, agent, backend=BACKEND)
    request.session[ID_TOKEN_KEY] = id_token
    if invitation is not None:
        messages.success(request, f"Bienvenue dans l'espace {invitation.territory} !")
        return HttpResponseRedirect(
            reverse("agents:home", kwargs={"territory_pk": invitation.territory_id})
        )
    return HttpResponseRedirect(_safe_next(request, remembered.get("next")))


def _join(invitation_pk: int, claims: dict):
    invitation = accounts.open_invitation(invitation_pk)
    with scope(territory=invitation.territory):
        return accounts.join_by_invitation(invitation, claims), invitation


class LogoutView(auth_views.LogoutView):
    """Django's logout; after a ProConnect login the browser then goes through the
    provider's end-session endpoint, so that its session ends too."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(ID_TOKEN_KEY)
        response = super().post(request, *args, **kwargs)
        if not id_token or not client.is_enabled():
            return response
        return_uri = request.build_absolute_uri(reverse("proconnect:logged_out"))
        try:
            return HttpResponseRedirect(client.logout_url(request, id_token, return_uri))
        except client.PROVIDER_ERRORS as error:
            logger.warning("ProConnect logout failed: %s", type(error).__name__)
            messages.warning(
                request,
                "Vous êtes déconnecté(e) de RDV Territoire, mais ProConnect n'a pas pu être "
                "joint : fermez votre navigateur pour terminer aussi votre session ProConnect.",
            )
            return response


@require_GET
def logged_out(request):
    _require_enabled()
    if client.check_logout_return(request):
        messages.success(request, "Vous êtes déconnecté(e) de RDV Territoire et de ProConnect.")
    return HttpResponseRedirect(reverse("login"))
