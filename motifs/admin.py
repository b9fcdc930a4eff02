from django.contrib import admin

from motifs.models import Motif


@admin.register(Motif)
class MotifAdmin(admin.ModelAdmin):
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
