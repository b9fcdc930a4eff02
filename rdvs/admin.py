from django.contrib import admin

from rdvs.models import Rdv, RdvAgent


class ReadOnlyRdvAgentMixin:
    """RdvAgent rows copy their RDV's times and status: only rdvs.services writes them
    (otherwise the overlap constraint would check stale copies)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RdvAgentInline(ReadOnlyRdvAgentMixin, admin.TabularInline):
    model = RdvAgent
    extra = 0
    fields = ["agent", "starts_at", "ends_at", "holds_time"]


@admin.register(Rdv)
class RdvAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "motif", "organisation", "territory", "status"]
    list_filter = ["territory", "status", "created_by"]
    search_fields = ["motif__name", "organisation__name", "user_records__last_name"]
    list_select_related = ["motif", "organisation", "territory"]
    raw_id_fields = ["user_records", "created_by_agent", "arrival_recorded_by"]
    # Times and status are copied to the agents' rows by rdvs.services only: they are
    # changed from the agents' screens, never here.
    readonly_fields = ["starts_at", "ends_at", "status", "cancelled_at"]
    inlines = [RdvAgentInline]
    date_hierarchy = "starts_at"

    def has_add_permission(self, request) -> bool:
        return False  # an RDV gets its agents through rdvs.services.book


@admin.register(RdvAgent)
class RdvAgentAdmin(ReadOnlyRdvAgentMixin, admin.ModelAdmin):
    list_display = ["agent", "rdv", "starts_at", "holds_time"]
    list_filter = ["rdv__territory", "holds_time"]
    search_fields = ["agent__email", "agent__last_name"]
    list_select_related = ["agent", "rdv", "rdv__motif"]
