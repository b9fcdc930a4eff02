from django.urls import path

from rdvs import views

app_name = "rdvs"

# Agents' screens, under territoires/<territory_pk>/rdv/
urlpatterns = [
    path("", views.AgendaView.as_view(), name="agenda_day"),
    path("semaine/", views.AgendaWeekView.as_view(), name="agenda_week"),
    path("nouveau/", views.RdvCreateView.as_view(), name="rdv_create"),
    path("<int:rdv_pk>/", views.RdvDetailView.as_view(), name="rdv_detail"),
    path("<int:rdv_pk>/modifier/", views.RdvUpdateView.as_view(), name="rdv_update"),
    path("<int:rdv_pk>/statut/", views.rdv_status, name="rdv_status"),
    path("<int:rdv_pk>/annuler/", views.RdvCancelView.as_view(), name="rdv_cancel"),
    path("<int:rdv_pk>/salle-d-attente/", views.rdv_arrival, name="rdv_arrival"),
]
