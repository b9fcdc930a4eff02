from django.urls import path

from territories.views import SectionView

app_name = "user_records"

urlpatterns = [
    path("", SectionView.as_view(section_key="user_records"), name="section"),
]
