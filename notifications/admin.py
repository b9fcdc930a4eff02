from django.contrib import admin

from notifications.models import SentMessage


@admin.register(SentMessage)
class SentMessageAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "channel", "kind", "recipient", "status", "territory"]
    list_filter = ["channel", "kind", "status", "territory"]
    search_fields = ["recipient", "provider_message_id"]
    raw_id_fields = ["rdv", "invitation"]
    list_select_related = ["territory"]
    readonly_fields = [field.name for field in SentMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
