from django.contrib import admin
from django.db import models

from territories.admin_changes import RecordedChangesAdmin, crud_action
from territories.models import AuditEntry, Organisation, Service, Territory, TerritoryService
from territories.payloads import organisation_payload, service_payload


def service_state(territory: Territory, service_pk: int):
    """A catalogue service as a territory sees it: no row means not active there."""
    row = (
        TerritoryService._base_manager.select_related("service")
        .filter(territory=territory, service=service_pk)
        .first()
    )
    if row is None:
        service = Service.objects.filter(pk=service_pk).first()
        if service is None:
            return None, None
        row = TerritoryService(territory=territory, service=service, is_active=False)
    return row.service, service_payload(row)


@admin.register(Territory)
class TerritoryAdminPage(admin.ModelAdmin):
    list_display = ["name", "departement_number", "created_at"]
    search_fields = ["name", "departement_number"]


@admin.register(Service)
class ServiceAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    """The global catalogue: renaming a service is a change in every territory that has
    it (a service used somewhere cannot be deleted)."""

    list_display = ["name", "short_name"]
    search_fields = ["name", "short_name"]

    def recorded_subjects(self, obj):
        rows = TerritoryService._base_manager.filter(service=obj.pk) if obj.pk else []
        return [(row.territory_id, obj.pk) for row in rows]

    def recorded_state(self, territory, key):
        return service_state(territory, key)

    def recorded_action(self, before, after):
        return "service.updated"


@admin.register(TerritoryService)
class TerritoryServiceAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = ["service", "territory", "is_active", "changed_at"]
    list_filter = ["territory", "is_active", "service"]
    search_fields = ["service__name", "territory__name"]
    list_select_related = ["service", "territory"]

    def recorded_subjects(self, obj):
        return [(obj.territory_id, obj.service_id)]

    def recorded_state(self, territory, key):
        return service_state(territory, key)

    def recorded_action(self, before, after):
        if after is not None and after["is_active"]:
            return "service.activated"
        return "service.deactivated"


@admin.register(Organisation)
class OrganisationAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = ["name", "territory", "phone", "email"]
    list_filter = ["territory"]
    search_fields = ["name", "email", "address", "territory__name"]
    list_select_related = ["territory"]
    # As the Organisations section's form: an address typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def recorded_state(self, territory, key):
        organisation = Organisation._base_manager.filter(pk=key).first()
        return organisation, organisation and organisation_payload(organisation)

    def recorded_action(self, before, after):
        return crud_action("organisation", before, after)

    def recorded_organisations(self, before, after):
        return [(after or before)["id"]]

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

    # Append-only, for support staff and superusers alike: a journal that its readers
    # can edit proves nothing. Deleting a territory that has entries is refused too.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
