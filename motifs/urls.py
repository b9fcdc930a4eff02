from django.urls import path

from territories.views import SectionView

app_name = "motifs"

urlpatterns = [
    path("", SectionView.as_view(section_key="motifs"), name="section"),
]
