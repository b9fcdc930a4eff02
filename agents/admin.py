from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from agents.models import Agent, Invitation
from agents.payloads import agent_organisation_ids, agent_payload, invitation_payload
from territories.admin_changes import RecordedChangesAdmin, crud_action
from territories.models import AgentRole, AgentService, TerritoryAdmin


class RecordedAgentChanges(RecordedChangesAdmin):
    """An edit of an agent, their roles, services or territory admin role changes the
    agent as each territory sees them: joined, updated or removed there."""

    def recorded_state(self, territory, key):
        agent = Agent._base_manager.filter(pk=key).first()
        if agent is None or not _belongs(agent, territory):
            return agent, None
        return agent, agent_payload(agent, territory)

    def recorded_action(self, before, after):
        if before is None:
            return "agent.joined"
        if after is None:
            return "agent.removed"
        return "agent.updated"

    def recorded_organisations(self, before, after):
        return agent_organisation_ids(before, after)


def _territories_of(agent: Agent) -> set[int]:
    if agent.pk is None:
        return set()
    return (
        set(
            AgentRole._base_manager.filter(agent=agent).values_list(
                "organisation__territory", flat=True
            )
        )
        | set(TerritoryAdmin._base_manager.filter(agent=agent).values_list("territory", flat=True))
        | set(AgentService._base_manager.filter(agent=agent).values_list("territory", flat=True))
    )


def _belongs(agent: Agent, territory) -> bool:
    return territory.pk in _territories_of(agent)


class AgentCreationForm(UserCreationForm):
    class Meta:
        model = Agent
        fields = ["email"]


class AgentChangeForm(UserChangeForm):
    class Meta:
        model = Agent
        fields = "__all__"


class AgentRoleInline(admin.TabularInline):
    model = AgentRole
    extra = 0
    autocomplete_fields = ["organisation"]


class TerritoryAdminInline(admin.TabularInline):
    model = TerritoryAdmin
    extra = 0


@admin.register(Agent)
class AgentAdmin(RecordedAgentChanges, UserAdmin):
    add_form = AgentCreationForm
    form = AgentChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "roles__organisation__territory"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [TerritoryAdminInline, AgentRoleInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name"]}),
        # Cleared by the support staff when an agent changes identity provider.
        ("ProConnect", {"fields": ["proconnect_sub"]}),
        (
            "Droits",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def recorded_subjects(self, obj):
        return [(territory_id, obj.pk) for territory_id in _territories_of(obj)]


@admin.register(TerritoryAdmin)
class TerritoryAdminAdmin(RecordedAgentChanges, admin.ModelAdmin):
    list_display = ["agent", "territory", "created_at"]
    list_filter = ["territory"]
    search_fields = ["agent__email", "agent__last_name", "territory__name"]
    list_select_related = ["agent", "territory"]

    def recorded_subjects(self, obj):
        return [(obj.territory_id, obj.agent_id)]


@admin.register(AgentRole)
class AgentRoleAdmin(RecordedAgentChanges, admin.ModelAdmin):
    list_display = ["agent", "organisation", "access_level"]
    list_filter = ["organisation__territory", "access_level"]
    search_fields = ["agent__email", "agent__last_name", "organisation__name"]
    list_select_related = ["agent", "organisation"]

    def recorded_subjects(self, obj):
        if obj.organisation_id is None:
            return []
        return [(obj.organisation.territory_id, obj.agent_id)]


@admin.register(AgentService)
class AgentServiceAdmin(RecordedAgentChanges, admin.ModelAdmin):
    list_display = ["agent", "service", "territory"]
    list_filter = ["territory", "service"]
    search_fields = ["agent__email", "agent__last_name", "service__name"]
    list_select_related = ["agent", "service", "territory"]

    def recorded_subjects(self, obj):
        return [(obj.territory_id, obj.agent_id)]


@admin.register(Invitation)
class InvitationAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = [
        "email",
        "territory",
        "invited_by",
        "created_at",
        "sent_at",
        "send_failed",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["territory", "send_failed"]
    search_fields = ["email", "territory__name", "invited_by__email"]
    list_select_related = ["territory", "invited_by"]
    autocomplete_fields = ["services", "organisations"]
    readonly_fields = ["created_at", "sent_at", "send_failed", "expires_at", "accepted_at", "agent"]

    def recorded_state(self, territory, key):
        invitation = Invitation._base_manager.filter(pk=key).first()
        return invitation, invitation and invitation_payload(invitation)

    def recorded_action(self, before, after):
        if before is None:
            return "agent.invited"
        if after is not None and before["revoked_at"] is None and after["revoked_at"]:
            return "invitation.revoked"
        return crud_action("invitation", before, after)

    def recorded_organisations(self, before, after):
        return {pk for payload in (before, after) if payload for pk in payload["organisations"]}
