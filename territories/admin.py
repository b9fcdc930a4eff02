from django.contrib import admin

from territories.models import AuditEntry, Organisation, Service, Territory, TerritoryService


@admin.register(Territory)
class TerritoryAdminPage(admin.ModelAdmin):
    list_display = ["name", "departement_number", "created_at"]
    search_fields = ["name", "departement_number"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name"]
    search_fields = ["name", "short_name"]


@admin.register(TerritoryService)
class TerritoryServiceAdmin(admin.ModelAdmin):
    list_display = ["service", "territory", "is_active", "changed_at"]
    list_filter = ["territory", "is_active", "service"]
    search_fields = ["service__name", "territory__name"]
    list_select_related = ["service", "territory"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "territory", "phone", "email"]
    list_filter = ["territory"]
    search_fields = ["name", "email", "address", "territory__name"]
    list_select_related = ["territory"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Organisations are never hard-deleted: RDVs, motifs, agents' roles and the
        # audit log point to them (deleting would cascade to the roles).
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "territory", "actor", "action", "object_repr"]
    list_filter = ["territory", "action"]
    search_fields = ["action", "object_repr", "actor__email"]
    list_select_related = ["territory", "actor"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
