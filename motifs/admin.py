from django.contrib import admin

from motifs.models import Motif, MotifSlotAlert
from motifs.payloads import motif_payload
from territories.admin_changes import RecordedChangesAdmin, archive_action


@admin.register(Motif)
class MotifAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "territory",
        "service",
        "location_type",
        "bookable_by_public",
        "archived_at",
    ]
    list_filter = ["territory", "service", "location_type", "bookable_by_public"]
    search_fields = ["name", "territory__name"]
    list_select_related = ["territory", "service"]
    filter_horizontal = ["organisations"]

    def recorded_state(self, territory, key):
        motif = Motif._base_manager.filter(pk=key).first()
        return motif, motif and motif_payload(motif)

    def recorded_action(self, before, after):
        # A restoration is an update, as the Motifs section names it.
        return archive_action("motif", before, after, restored="motif.updated")

    def recorded_organisations(self, before, after):
        return {pk for payload in (before, after) if payload for pk in payload["organisation_ids"]}


@admin.register(MotifSlotAlert)
class MotifSlotAlertAdmin(admin.ModelAdmin):
    """What the morning check found (booking.slot_alerts): read only, rewritten each day."""

    list_display = ["motif", "organisation", "territory", "since", "checked_at"]
    list_filter = ["territory"]
    list_select_related = ["motif", "organisation", "territory"]
    search_fields = ["motif__name", "organisation__name"]
    readonly_fields = ["territory", "motif", "organisation", "since", "checked_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
