from django.contrib import admin

from organisations.models import ServiceRequest


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """The admins' requests for a new catalogue service: support staff mark them handled."""

    list_display = ["service_name", "territory", "requested_by", "created_at", "handled"]
    list_filter = ["handled", "territory"]
    list_editable = ["handled"]
    list_select_related = ["territory", "requested_by"]
    search_fields = ["service_name", "requested_by__email"]
    fields = ["territory", "requested_by", "service_name", "reason", "organisations", "handled"]
    readonly_fields = ["territory", "requested_by", "service_name", "reason", "organisations"]

    def has_add_permission(self, request):
        return False
