from django import forms
from django.contrib import admin, messages
from django.db import models

from territories.admin_changes import RecordedChangesAdmin
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint, Event
from webhooks.payloads import endpoint_payload
from webhooks.targets import validate_target_url


class LogAdmin(admin.ModelAdmin):
    """The outbox and its sending log are read, never edited by hand: what support may
    do with them goes through the services (see DeliveryAdmin's action)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(LogAdmin):
    list_display = ["created_at", "type", "territory"]
    list_filter = ["territory", "type"]
    search_fields = ["type"]
    list_select_related = ["territory"]
    readonly_fields = ["territory", "type", "reason", "payload", "created_at"]


class EndpointAdminForm(forms.ModelForm):
    def clean_url(self) -> str:
        # The same checks as the territory admin's form: support staff cannot point an
        # endpoint at a private address either (the send-time guard stays behind it).
        url = self.cleaned_data["url"]
        validate_target_url(url)
        return url


@admin.register(Endpoint)
class EndpointAdmin(RecordedChangesAdmin, admin.ModelAdmin):
    form = EndpointAdminForm
    list_display = ["url", "territory", "enabled", "failing_since", "created_at"]
    list_filter = ["territory", "enabled"]
    search_fields = ["url", "description"]
    list_select_related = ["territory"]
    # Secrets never appear in support screens.
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["masked_secret", "failing_since", "failed_attempts_in_row", "created_at"]
    # As the Webhooks section's form: an address typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    @admin.display(description="secret (masqué)")
    def masked_secret(self, obj):
        return obj.masked_secret

    def recorded_state(self, territory, key):
        endpoint = Endpoint._base_manager.filter(pk=key).first()
        return endpoint, endpoint and endpoint_payload(endpoint)

    def recorded_action(self, before, after):
        if after is None:
            return "webhook_endpoint.deleted"
        if before["enabled"] != after["enabled"]:
            return "webhook_endpoint.enabled" if after["enabled"] else "webhook_endpoint.disabled"
        return "webhook_endpoint.updated"


ATTEMPT_FIELDS = ["attempted_at", "duration_ms", "status_code", "error", "response_excerpt"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS


@admin.register(Delivery)
class DeliveryAdmin(LogAdmin):
    list_display = ["webhook_id", "endpoint", "status", "attempts_count", "next_attempt_at"]
    list_filter = ["territory", "status"]
    search_fields = ["webhook_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "territory",
        "event",
        "endpoint",
        "webhook_id",
        "status",
        "attempts_count",
        "schedule_step",
        "next_attempt_at",
        "claimed_until",
        "dispatched_at",
        "last_status_code",
        "created_at",
        "succeeded_at",
    ]
    inlines = [AttemptInline]
    actions = ["resend"]

    @admin.action(description="Renvoyer les envois sélectionnés (même webhook-id)")
    def resend(self, request, queryset):
        for delivery in queryset:
            services.resend_delivery(delivery, acting_agent=request.user)
        messages.success(request, f"{len(queryset)} envoi(s) remis en file d'envoi.")


@admin.register(Attempt)
class AttemptAdmin(LogAdmin):
    list_display = ["attempted_at", "delivery", "status_code", "duration_ms", "error"]
    list_filter = ["delivery__territory", "status_code"]
    search_fields = ["delivery__webhook_id", "delivery__endpoint__url", "error"]
    list_select_related = ["delivery"]
    readonly_fields = ["delivery", *ATTEMPT_FIELDS]
