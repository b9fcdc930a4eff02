"""The invitation link, opened by someone who is not (yet) a member of the territory.

The URL carries no territory, so the tenancy middleware opens no scope: the
invitation is found by the digest of its token, then the page works inside the
invitation's territory scope.
"""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django_scopes import scope

from agents import invitations as invitation_services
from agents import services
from agents.forms import AcceptInvitationForm
from agents.models import Agent
from config import ratelimits
from territories.errors import ServiceError


def _invalid(request, reason: str, status: int, invitation=None):
    return render(
        request,
        "agents/invitation_invalid.html",
        {"reason": reason, "invitation": invitation},
        status=status,
    )


def accept_invitation(request, token: str):
    # A valid token always works: only the wrong ones are counted and limited (per
    # client address), so guesses from a shared address never block a real link.
    # Tokens carry 256 bits: the limit keeps guessing from costing us anything.
    invitation = invitation_services.find_by_token(token)
    if invitation is None:
        replaced = invitation_services.find_replaced(token)
        if replaced is not None:
            return _invalid(request, "replaced", 410, replaced)
        if ratelimits.count(request, ratelimits.WRONG_INVITATION_TOKENS):
            return _invalid(request, "rate_limited", 429)
        return _invalid(request, "unknown", 404)
    if invitation.accepted_at is not None:
        return _already_accepted(request, invitation)
    if not invitation.is_open:  # e.g. revoked by support staff in the Django admin
        return _invalid(request, "unknown", 404)
    with scope(territory=invitation.territory):
        if invitation.is_expired:
            return _invalid(request, "expired", 410, invitation)
        return _accept(request, invitation)


def _accept(request, invitation):
    """A new person chooses a name and password; an existing account joins while
    logged in as itself (no second account for one address)."""
    account = Agent.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "account": account}
    if account is None and request.user.is_authenticated:
        return _confirm_switch(request, context)
    if account is None:
        form = AcceptInvitationForm(request.POST or None, instance=Agent(email=invitation.email))
        if request.method == "POST" and form.is_valid():
            try:
                agent = services.join_with_new_account(
                    invitation,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    password=form.cleaned_data["password1"],
                )
            except ServiceError as error:
                error.apply_to_form(form)
            else:
                login(request, agent, backend="django.contrib.auth.backends.ModelBackend")
                return _welcome(request, invitation)
        context["form"] = form
    elif request.method == "POST" and request.user.pk == account.pk:
        try:
            services.accept_invitation(invitation, acting_agent=account)
        except ServiceError as error:
            context["error"] = error.message
        else:
            return _welcome(request, invitation)
    context["login_url"] = f"{reverse('login')}?next={request.path}"
    return render(request, "agents/invitation_accept.html", context)


def _confirm_switch(request, context: dict):
    """Someone is logged in and the invitation creates a new account: joining would
    log them out, so they are asked first; only their explicit answer logs them out."""
    if request.method == "POST" and request.POST.get("changer_de_compte") == "oui":
        previous = request.user.email
        logout(request)
        messages.info(
            request,
            f"Vous avez été déconnecté(e) du compte {previous}. "
            "Créez maintenant le compte de l'invitation.",
        )
        return redirect(request.path)
    return render(
        request, "agents/invitation_accept.html", {**context, "switch_from": request.user}
    )


def _already_accepted(request, invitation):
    """The agent who accepted goes to their space; anyone else is only told to log in
    (nothing about the territory or the address)."""
    if request.user.is_authenticated and request.user.pk == invitation.agent_id:
        messages.info(request, f"Vous avez déjà rejoint l'espace {invitation.territory}.")
        return redirect("agents:home", territory_pk=invitation.territory_id)
    return _invalid(request, "accepted", 404)


def _welcome(request, invitation):
    messages.success(request, f"Bienvenue dans l'espace {invitation.territory} !")
    return redirect("agents:home", territory_pk=invitation.territory_id)
