from django.urls import path

from territories.views import SectionView

app_name = "webhooks"

urlpatterns = [
    path("", SectionView.as_view(section_key="webhooks"), name="section"),
]
