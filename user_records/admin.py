from django.contrib import admin

from user_records.models import UserRecord


@admin.register(UserRecord)
class UserRecordAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "territory", "email", "phone"]
    list_filter = ["territory"]
    search_fields = ["last_name", "first_name", "email", "phone", "case_number"]
    list_select_related = ["territory"]
    filter_horizontal = ["organisations"]
