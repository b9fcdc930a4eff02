from django.contrib import admin

from exports.models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """Support staff see who exported what and when; never the search typed, nor the file
    (its requester's only)."""

    list_display = ["__str__", "requested_by", "territory", "status", "created_at", "expires_at"]
    list_filter = ["territory", "kind", "status"]
    list_select_related = ["requested_by", "territory"]
    search_fields = ["requested_by__email"]
    fields = [
        "territory",
        "requested_by",
        "kind",
        "status",
        "rows_done",
        "rows_total",
        "created_at",
        "finished_at",
        "expires_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
