from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from agents import login_throttle, services
from agents.forms import (
    AgentFilterForm,
    AgentForm,
    IntervenantForm,
    InvitationForm,
    LoginForm,
    QueuedPasswordResetForm,
)
from agents.invitations import link_token, territory_agents
from agents.models import Invitation
from agents.payloads import agent_payload
from agents.queries import (
    agents_with_details,
    filtered_rows,
    hydrate,
    invitations_with_details,
)
from notifications.queries import messages_about_invitation
from territories import permissions
from territories.changes import version_of
from territories.errors import ServiceError
from territories.french import de
from territories.models import AccessLevel, AgentRole, AgentService
from territories.permissions import LEVEL_DESCRIPTIONS, TERRITORY_ADMIN_DESCRIPTION
from territories.sections import SectionMixin, in_section


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        login_throttle.remember_device(self.request, response, form.get_user().email)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "registration/password_reset_form.html"

    def form_valid(self, form):
        refusal = login_throttle.password_reset_refusal(self.request, form.cleaned_data["email"])
        if refusal:
            form.add_error(None, refusal)
            return self.form_invalid(form)
        return super().form_valid(form)


def _list_url(territory) -> str:
    return reverse("agents:section", kwargs={"territory_pk": territory.pk})


def _leaving_admin_redirect(request):
    """None while the acting admin may still configure the territory; otherwise where
    they can still go (an admin who demoted or removed themselves would get a 403)."""
    permissions.forget(request.user)  # their roles have just changed
    if permissions.can_configure_territory(request.user, request.territory):
        return None
    messages.info(request, f"Vous n'êtes plus administrateur de l'espace {request.territory}.")
    if permissions.is_member(request.user, request.territory):
        return redirect("agents:home", territory_pk=request.territory.pk)
    return redirect("territories:list")


def _invitation(request, invitation_pk: int) -> Invitation:
    return get_object_or_404(
        invitations_with_details(request.territory), pk=invitation_pk, accepted_at__isnull=True
    )


def _agent(request, agent_pk: int):
    return get_object_or_404(territory_agents(request.territory), pk=agent_pk)


class AgentListView(SectionMixin, TemplateView):
    """Agents of the territory and the invitations not accepted yet."""

    section_key = "agents"
    template_name = "agents/agent_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        territory = self.request.territory
        filters = AgentFilterForm(self.request.GET, territory=territory)
        cleaned = filters.cleaned_data if filters.is_valid() else {}
        page = Paginator(filtered_rows(territory, cleaned), 25).get_page(
            self.request.GET.get("page")
        )
        agents, invitations = hydrate(territory, page.object_list)
        context.update(
            filters=filters,
            query=cleaned.get("q", ""),
            page_obj=page,
            agents=agents,
            invitations=invitations,
        )
        return context


@in_section("agents")
def invite(request, territory_pk):
    territory = request.territory
    form = InvitationForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_agent(
                territory,
                form.cleaned_data["email"],
                form.cleaned_data["services"],
                form.cleaned_data["organisations"],
                acting_agent=request.user,
            )
        except ServiceError as error:
            error.apply_to_form(form)
        else:
            messages.success(
                request,
                f"L'invitation {de(form.cleaned_data['email'])} est en cours d'envoi. "
                "Elle est valable 48 heures.",
            )
            return redirect(_list_url(territory))
    return render(
        request,
        "agents/invitation_form.html",
        {"form": form, "pending_invitation": form.pending_invitation},
    )


@in_section("agents")
def intervenant_create(request, territory_pk):
    territory = request.territory
    form = IntervenantForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        try:
            agent = services.create_intervenant(
                territory, **form.cleaned_data, acting_agent=request.user
            )
        except ServiceError as error:
            error.apply_to_form(form)
        else:
            messages.success(
                request,
                f"{agent} rejoint l'espace comme intervenant : les agents peuvent poser des "
                "RDV dans son agenda. Il n'a pas d'accès à la plateforme.",
            )
            return redirect("agents:agent_detail", territory_pk=territory_pk, agent_pk=agent.pk)
    return render(
        request,
        "agents/intervenant_form.html",
        {"form": form, "intervenant_description": LEVEL_DESCRIPTIONS[AccessLevel.INTERVENANT]},
    )


@in_section("agents")
def invitation_detail(request, territory_pk, invitation_pk):
    invitation = _invitation(request, invitation_pk)
    token = link_token(invitation)
    return render(
        request,
        "agents/invitation_detail.html",
        {
            "invitation": invitation,
            "sent_messages": messages_about_invitation(invitation),
            # Mails are often stopped by administrations' filters: the admin may pass
            # the same link on by other means.
            "invitation_link": (
                request.build_absolute_uri(reverse("invitation_accept", kwargs={"token": token}))
                if token
                else None
            ),
        },
    )


@require_POST
@in_section("agents")
def invitation_resend(request, territory_pk, invitation_pk):
    invitation = _invitation(request, invitation_pk)
    try:
        services.resend_invitation(invitation, acting_agent=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Une nouvelle invitation est en cours d'envoi à {invitation.email}. "
            "L'ancien lien ne fonctionne plus.",
        )
    return redirect(
        "agents:invitation_detail", territory_pk=territory_pk, invitation_pk=invitation.pk
    )


@in_section("agents")
def invitation_revoke(request, territory_pk, invitation_pk):
    invitation = _invitation(request, invitation_pk)
    if request.method == "POST":
        try:
            services.revoke_invitation(invitation, acting_agent=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"L'invitation {de(invitation.email)} est révoquée.")
        return redirect(_list_url(request.territory))
    return render(request, "agents/invitation_revoke.html", {"invitation": invitation})


@in_section("agents")
def agent_detail(request, territory_pk, agent_pk):
    territory = request.territory
    agent = _agent(request, agent_pk)
    form = AgentForm(
        request.POST or None,
        territory=territory,
        agent=agent,
        version=version_of(agent_payload(agent, territory)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_agent(
                territory,
                agent,
                services=form.cleaned_data["services"],
                levels=form.levels(),
                is_territory_admin=form.cleaned_data["is_territory_admin"],
                acting_agent=request.user,
                version=form.shown_version,
            )
        except ServiceError as error:
            error.apply_to_form(form)
        else:
            if changed:
                messages.success(request, f"Les réglages {de(agent)} sont enregistrés.")
            else:
                messages.info(request, "Aucune modification.")
            return _leaving_admin_redirect(request) or redirect(
                "agents:agent_detail", territory_pk=territory_pk, agent_pk=agent.pk
            )
    return render(
        request,
        "agents/agent_detail.html",
        {
            "agent": agents_with_details(territory).get(pk=agent.pk),
            "form": form,
            "territory_admin_description": TERRITORY_ADMIN_DESCRIPTION,
        },
    )


@in_section("agents")
def agent_remove(request, territory_pk, agent_pk):
    agent = _agent(request, agent_pk)
    if request.method == "POST":
        try:
            services.remove_agent(request.territory, agent, acting_agent=request.user)
        except ServiceError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("agents:agent_detail", territory_pk=territory_pk, agent_pk=agent.pk)
        messages.success(request, f"{agent} ne fait plus partie de l'espace.")
        return _leaving_admin_redirect(request) or redirect(_list_url(request.territory))
    return render(request, "agents/agent_remove.html", {"agent": agent})


class HomeView(permissions.MemberRequiredMixin, TemplateView):
    """Where an agent lands after joining: their organisations and services here."""

    template_name = "agents/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agent = self.request.user
        territory = self.request.territory
        roles = list(
            AgentRole.objects.filter(agent=agent)
            .select_related("organisation")
            .order_by("organisation__name")
        )
        for role in roles:  # what the level allows, and the link to the page of the organisation
            role.level_description = LEVEL_DESCRIPTIONS[role.access_level]
            role.opens_details = permissions.administers_organisation(
                agent, territory, role.organisation_id
            )
        context["roles"] = roles
        context["services"] = (
            AgentService.objects.filter(agent=agent, territory=territory)
            .select_related("service")
            .order_by("service__name")
        )
        return context
