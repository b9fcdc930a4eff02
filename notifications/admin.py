from django.contrib import admin

from notifications.models import SentMessage


@admin.register(SentMessage)
class SentMessageAdmin(admin.ModelAdmin):
    """The log is written by the sending code and the provider's reports only."""

    list_display = ["sent_at", "channel", "kind", "recipient", "status", "territory"]
    list_filter = ["territory", "channel", "kind", "status"]
    search_fields = ["recipient", "provider_message_id"]
    raw_id_fields = ["rdv", "invitation"]
    list_select_related = ["territory"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
