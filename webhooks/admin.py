from django.contrib import admin

from webhooks.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "type", "territory"]
    list_filter = ["territory", "type"]
    search_fields = ["type"]
    list_select_related = ["territory"]
    readonly_fields = ["territory", "type", "payload", "created_at"]

    def has_add_permission(self, request):
        return False
