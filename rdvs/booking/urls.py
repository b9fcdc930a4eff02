from django.urls import path

from rdvs.booking import views

app_name = "booking"

motif = "organisations/<int:organisation_id>/motifs/<int:motif_id>/"

urlpatterns = [
    path("", views.territory_list, name="territories"),
    path("territoires/<int:territory_id>/", views.organisation_list, name="organisations"),
    path("organisations/<int:organisation_id>/", views.motif_list, name="motifs"),
    path(motif, views.instructions, name="instructions"),
    path(motif + "creneaux/", views.slots, name="slots"),
    path(motif + "coordonnees/", views.details, name="details"),
    path("rdv/<str:token>/", views.rdv_detail, name="rdv"),
    path("rdv/<str:token>/annuler/", views.rdv_cancel, name="cancel"),
    path("rdv/<str:token>/deplacer/", views.rdv_move, name="move"),
    path("rdv/<str:token>/deplacer/confirmer/", views.rdv_move_confirm, name="move_confirm"),
]
