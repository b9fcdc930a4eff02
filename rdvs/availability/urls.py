from django.urls import path

from rdvs.availability import views

app_name = "availability"

urlpatterns = [
    path("", views.RangeListView.as_view(), name="list"),
    path("nouvelle/", views.RangeEditView.as_view(), name="create"),
    path("<int:range_pk>/modifier/", views.RangeEditView.as_view(), name="update"),
    path("<int:range_pk>/supprimer/", views.RangeDeleteView.as_view(), name="delete"),
    path("absences/", views.AbsenceListView.as_view(), name="absences"),
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
