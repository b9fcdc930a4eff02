from django.urls import path

from territories.views import SectionView

app_name = "rdv_settings"

urlpatterns = [
    path("", SectionView.as_view(section_key="rdv_settings"), name="section"),
]
