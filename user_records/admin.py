from django.contrib import admin
from django.db import transaction

from territories.admin_changes import RecordedChangesAdmin, archive_action, crud_action
from user_records import services
from user_records.models import CustomField, DuplicatePair, UserRecord, UserRecordSettings
from user_records.payloads import (
    custom_field_payload,
    user_record_payload,
    user_record_settings_payload,
)


@admin.register(UserRecord)
class UserRecordAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = ["last_name", "first_name", "territory", "email", "phone"]
    list_filter = ["territory"]
    search_fields = ["last_name", "first_name", "email", "phone", "case_number"]
    list_select_related = ["territory"]
    filter_horizontal = ["organisations"]

    def recorded_state(self, territory, key):
        record = UserRecord._base_manager.filter(pk=key).first()
        return record, record and user_record_payload(record)

    def recorded_action(self, before, after):
        return crud_action("user_record", before, after)

    def recorded_organisations(self, before, after):
        return {pk for payload in (before, after) if payload for pk in payload["organisation_ids"]}

    def delete_model(self, request, obj):
        # The same erasure as an agent's: RDVs anonymised, journal scrubbed, event sent
        # without the person's data.
        services.delete_user_record(obj, acting_agent=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(DuplicatePair)
class DuplicatePairAdmin(admin.ModelAdmin):
    """Read-only: pairs are found by the application and settled by agents."""

    list_display = ["first", "second", "reason", "territory", "created_at", "dismissed_at"]
    list_filter = ["territory", "reason"]
    search_fields = ["first__last_name", "second__last_name", "territory__name"]
    list_select_related = ["territory", "first", "second"]
    raw_id_fields = ["first", "second"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserRecordSettings)
class UserRecordSettingsAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = ["territory", "hidden_fields", "updated_at"]
    list_filter = ["territory"]
    search_fields = ["territory__name"]
    list_select_related = ["territory"]

    def recorded_subjects(self, obj):
        return [(obj.territory_id, "settings")]

    def recorded_state(self, territory, key):
        # No row means nothing hidden: deleting the row is a change back to that.
        row = UserRecordSettings._base_manager.filter(territory=territory).first()
        return row, user_record_settings_payload(row or UserRecordSettings(territory=territory))

    def recorded_action(self, before, after):
        return "user_record_settings.updated"


@admin.register(CustomField)
class CustomFieldAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    list_display = [
        "label",
        "territory",
        "key",
        "field_type",
        "required",
        "position",
        "archived_at",
    ]
    list_filter = ["territory", "field_type"]
    search_fields = ["label", "key", "territory__name"]
    list_select_related = ["territory"]
    readonly_fields = ["key"]

    def recorded_state(self, territory, key):
        field = CustomField._base_manager.filter(pk=key).first()
        return field, field and custom_field_payload(field)

    def recorded_action(self, before, after):
        return archive_action("custom_field", before, after, restored="custom_field.restored")
