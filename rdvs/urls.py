from django.urls import path

from rdvs import views_agenda

app_name = "rdvs"

# Agents' screens, under territoires/<territory_pk>/rdv/
urlpatterns = [
    path("", views_agenda.AgendaView.as_view(), name="agenda_day"),
    path("semaine/", views_agenda.AgendaWeekView.as_view(), name="agenda_week"),
    path("nouveau/", views_agenda.RdvCreateView.as_view(), name="create"),
    path("<int:rdv_pk>/", views_agenda.RdvDetailView.as_view(), name="rdv_detail"),
    path("<int:rdv_pk>/modifier/", views_agenda.RdvUpdateView.as_view(), name="update"),
    path("<int:rdv_pk>/statut/", views_agenda.rdv_status, name="status"),
    path("<int:rdv_pk>/annuler/", views_agenda.RdvCancelView.as_view(), name="cancel"),
    path("<int:rdv_pk>/salle-d-attente/", views_agenda.record_arrival, name="arrival"),
]
