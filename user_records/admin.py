from django.contrib import admin

from user_records.models import CustomField, UserRecord, UserRecordSettings


@admin.register(UserRecord)
class UserRecordAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "territory", "email", "phone"]
    list_filter = ["territory"]
    search_fields = ["last_name", "first_name", "email", "phone", "case_number"]
    list_select_related = ["territory"]
    filter_horizontal = ["organisations"]


@admin.register(UserRecordSettings)
class UserRecordSettingsAdmin(admin.ModelAdmin):
    list_display = ["territory", "hidden_fields", "updated_at"]
    list_filter = ["territory"]
    search_fields = ["territory__name"]
    list_select_related = ["territory"]


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
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
