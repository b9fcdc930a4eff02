from django.urls import path

from availability import views

app_name = "availability"

# Agents' screens, under territoires/<territory_pk>/plages/
urlpatterns = [
    path("", views.AvailabilityRangeListView.as_view(), name="availability_range_list"),
    path(
        "nouvelle/",
        views.AvailabilityRangeEditView.as_view(),
        name="availability_range_create",
    ),
    path(
        "<int:availability_range_pk>/modifier/",
        views.AvailabilityRangeEditView.as_view(),
        name="availability_range_update",
    ),
    path(
        "<int:availability_range_pk>/supprimer/",
        views.AvailabilityRangeDeleteView.as_view(),
        name="availability_range_delete",
    ),
    path("absences/", views.AbsenceListView.as_view(), name="absence_list"),
    path("absences/nouvelle/", views.AbsenceEditView.as_view(), name="absence_create"),
    path(
        "absences/<int:absence_pk>/modifier/",
        views.AbsenceEditView.as_view(),
        name="absence_update",
    ),
    path(
        "absences/<int:absence_pk>/supprimer/",
        views.AbsenceDeleteView.as_view(),
        name="absence_delete",
    ),
]
