from django.contrib import admin

from webhooks.models import Attempt, Delivery, Endpoint, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "type", "territory"]
    list_filter = ["territory", "type"]
    search_fields = ["type"]
    list_select_related = ["territory"]
    readonly_fields = ["territory", "type", "payload", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "territory", "enabled", "failing_since", "created_at"]
    list_filter = ["territory", "enabled"]
    search_fields = ["url", "description"]
    list_select_related = ["territory"]
    # Secrets never appear in support screens.
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["masked_secret", "failing_since", "failed_attempts_in_row", "created_at"]

    def has_add_permission(self, request):
        return False


ATTEMPT_FIELDS = ["attempted_at", "duration_ms", "status_code", "error", "response_excerpt"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook_id", "endpoint", "status", "attempts_count", "next_attempt_at"]
    list_filter = ["territory", "status"]
    search_fields = ["webhook_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "territory",
        "event",
        "endpoint",
        "webhook_id",
        "attempts_count",
        "created_at",
        "succeeded_at",
    ]
    inlines = [AttemptInline]

    def has_add_permission(self, request):
        return False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["attempted_at", "delivery", "status_code", "duration_ms", "error"]
    list_filter = ["delivery__territory", "status_code"]
    search_fields = ["delivery__webhook_id", "delivery__endpoint__url", "error"]
    list_select_related = ["delivery"]
    readonly_fields = ["delivery", *ATTEMPT_FIELDS]

    def has_add_permission(self, request):
        return False
