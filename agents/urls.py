from django.urls import path

from territories.views import SectionView

app_name = "agents"

urlpatterns = [
    path("", SectionView.as_view(section_key="agents"), name="section"),
]
