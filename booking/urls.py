from django.urls import path

from booking import views

app_name = "booking"

# The public flow, under prendre-rdv/ (no account). `public_territory_pk`, not
# `territory_pk`: that keyword makes a URL a tenant page, for members only.
motif = "organisations/<int:organisation_pk>/motifs/<int:motif_pk>/"

urlpatterns = [
    path("", views.territory_list, name="territory_list"),
    path(
        "territoires/<int:public_territory_pk>/",
        views.organisation_list,
        name="organisation_list",
    ),
    path("organisations/<int:organisation_pk>/", views.motif_list, name="motif_list"),
    path(motif, views.instructions, name="instructions"),
    path(motif + "creneaux/", views.slots, name="slots"),
    path(motif + "coordonnees/", views.details, name="details"),
    path("rdv/<str:token>/", views.rdv_detail, name="rdv_detail"),
    path("rdv/<str:token>/annuler/", views.rdv_cancel, name="rdv_cancel"),
    path("rdv/<str:token>/deplacer/", views.rdv_move, name="rdv_move"),
    path(
        "rdv/<str:token>/deplacer/confirmer/",
        views.rdv_move_confirm,
        name="rdv_move_confirm",
    ),
]
