from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from agents.models import Agent, AgentRole, AgentService, Invitation, TerritoryAdmin


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
class AgentAdmin(UserAdmin):
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


@admin.register(TerritoryAdmin)
class TerritoryAdminAdmin(admin.ModelAdmin):
    list_display = ["agent", "territory", "created_at"]
    list_filter = ["territory"]
    search_fields = ["agent__email", "agent__last_name", "territory__name"]
    list_select_related = ["agent", "territory"]


@admin.register(AgentRole)
class AgentRoleAdmin(admin.ModelAdmin):
    list_display = ["agent", "organisation", "access_level"]
    list_filter = ["organisation__territory", "access_level"]
    search_fields = ["agent__email", "agent__last_name", "organisation__name"]
    list_select_related = ["agent", "organisation"]


@admin.register(AgentService)
class AgentServiceAdmin(admin.ModelAdmin):
    list_display = ["agent", "service", "territory"]
    list_filter = ["territory", "service"]
    search_fields = ["agent__email", "agent__last_name", "service__name"]
    list_select_related = ["agent", "service", "territory"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
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
