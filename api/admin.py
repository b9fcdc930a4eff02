from django.contrib import admin, messages

from api import services
from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Support staff see every token (never the token itself) and may revoke one, through
    the service (audited)."""

    list_display = ["name", "agent", "territory", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["territory"]
    search_fields = ["name", "agent__email"]
    list_select_related = ["agent", "territory"]
    readonly_fields = [
        "territory",
        "agent",
        "name",
        "hint",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Révoquer les jetons choisis")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_token(token, acting_agent=request.user)
        messages.success(request, "Les jetons choisis sont révoqués.")
