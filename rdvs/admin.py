from django.contrib import admin

from rdvs.models import Rdv, RdvAgent, Reminder
from rdvs.payloads import rdv_payload
from territories.admin_changes import RecordedChangesAdmin


class ReadOnlyMixin:
    """RdvAgent rows copy their RDV's times and status: only rdvs.services writes them
    (otherwise the overlap constraint would check stale copies). Reminder rows are the
    proof a reminder left or is leaving: deleting one would send it again."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RdvAgentInline(ReadOnlyMixin, admin.TabularInline):
    model = RdvAgent
    extra = 0
    fields = ["agent", "starts_at", "ends_at", "holds_time"]


@admin.register(Rdv)
class RdvAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    """Support staff may correct an RDV's motif, usagers and context (recorded as
    `rdv.updated`); when, with whom and its status change through rdvs.services, from
    the agents' screens, so that the agents' copied times stay in step. An RDV is
    cancelled, never deleted."""

    list_display = ["starts_at", "motif", "organisation", "territory", "status"]
    list_filter = ["territory", "status", "created_by"]
    search_fields = ["motif__name", "organisation__name", "user_records__last_name"]
    list_select_related = ["motif", "organisation", "territory"]
    raw_id_fields = ["user_records"]
    readonly_fields = [
        "territory",
        "organisation",
        "starts_at",
        "ends_at",
        "status",
        "cancelled_at",
        "created_by",
        "created_by_agent",
        "arrived_at",
        "arrival_recorded_by",
    ]
    inlines = [RdvAgentInline]
    date_hierarchy = "starts_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def recorded_state(self, territory, key):
        rdv = Rdv._base_manager.filter(pk=key).first()
        return rdv, rdv and rdv_payload(rdv)

    def recorded_action(self, before, after):
        return "rdv.updated"

    def recorded_organisations(self, before, after):
        return {payload["organisation_id"] for payload in (before, after) if payload}


@admin.register(RdvAgent)
class RdvAgentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["agent", "rdv", "starts_at", "holds_time"]
    list_filter = ["rdv__territory", "holds_time"]
    search_fields = ["agent__email", "agent__last_name"]
    list_select_related = ["agent", "rdv", "rdv__motif"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["rdv", "channel", "starts_at", "claimed_at", "started_at"]
    list_filter = ["channel", "rdv__territory"]
    search_fields = ["=rdv__id", "rdv__motif__name"]
    list_select_related = ["rdv", "rdv__motif"]
    raw_id_fields = ["rdv"]
