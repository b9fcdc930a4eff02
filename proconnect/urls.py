from django.urls import path

from proconnect import views

app_name = "proconnect"

urlpatterns = [
    path("connexion/", views.start_login, name="login"),
    path("invitation/<str:token>/", views.start_invitation, name="invitation"),
    path("retour/", views.callback, name="callback"),
    path("deconnexion/", views.logged_out, name="logged_out"),
]
