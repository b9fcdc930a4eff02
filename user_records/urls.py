from django.urls import path

from user_records import config_views, views

app_name = "user_records"

urlpatterns = [
    # Configuration of the territory's user records (territory admins).
    path("fiches-usagers/", config_views.SettingsView.as_view(), name="section"),
    path("fiches-usagers/apercu/", config_views.PreviewView.as_view(), name="preview"),
    path(
        "fiches-usagers/champs/nouveau/",
        config_views.CustomFieldCreateView.as_view(),
        name="field_create",
    ),
    path(
        "fiches-usagers/champs/<int:field_pk>/modifier/",
        config_views.CustomFieldUpdateView.as_view(),
        name="field_update",
    ),
    path(
        "fiches-usagers/champs/<int:field_pk>/deplacer/",
        config_views.field_move,
        name="field_move",
    ),
    path(
        "fiches-usagers/champs/<int:field_pk>/archiver/",
        config_views.CustomFieldArchiveView.as_view(),
        name="field_archive",
    ),
    path(
        "fiches-usagers/champs/<int:field_pk>/restaurer/",
        config_views.field_restore,
        name="field_restore",
    ),
    # Agents' daily screens (any member of the territory).
    path("usagers/", views.UserRecordListView.as_view(), name="list"),
    path("usagers/export.csv", views.UserRecordExportView.as_view(), name="export"),
    path("usagers/nouvelle/", views.UserRecordCreateView.as_view(), name="create"),
    path(
        "usagers/<int:user_record_pk>/",
        views.UserRecordDetailView.as_view(),
        name="user_record_detail",
    ),
    path(
        "usagers/<int:user_record_pk>/modifier/",
        views.UserRecordUpdateView.as_view(),
        name="update",
    ),
]
