from django.urls import path

from rdv_settings.views import RdvSettingsView

app_name = "rdv_settings"

urlpatterns = [
    path("", RdvSettingsView.as_view(), name="section"),
]
