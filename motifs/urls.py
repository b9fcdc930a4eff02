from django.urls import path

from motifs import views

app_name = "motifs"

urlpatterns = [
    path("", views.MotifListView.as_view(), name="section"),
    path("nouveau/", views.MotifCreateView.as_view(), name="create"),
    path("<int:motif_pk>/", views.MotifDetailView.as_view(), name="motif_detail"),
    path("<int:motif_pk>/modifier/", views.MotifUpdateView.as_view(), name="update"),
    path("<int:motif_pk>/dupliquer/", views.MotifCreateView.as_view(), name="duplicate"),
    path("<int:motif_pk>/archiver/", views.motif_archive, name="archive"),
    path("<int:motif_pk>/restaurer/", views.motif_restore, name="restore"),
    path("<int:motif_pk>/supprimer/", views.motif_delete, name="delete"),
]
