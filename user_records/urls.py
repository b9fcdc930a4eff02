from django.urls import path

from user_records import config_views, lifecycle_views, retention_views, views

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
    path(
        "fiches-usagers/conservation/",
        retention_views.RetentionView.as_view(),
        name="retention",
    ),
    # Agents' daily screens (any member of the territory).
    path("usagers/", views.UserRecordListView.as_view(), name="list"),
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
    path(
        "usagers/<int:user_record_pk>/supprimer/",
        lifecycle_views.UserRecordDeleteView.as_view(),
        name="delete",
    ),
    path("usagers/doublons/", lifecycle_views.DuplicateListView.as_view(), name="duplicate_list"),
    path(
        "usagers/doublons/<int:duplicate_pair_pk>/",
        lifecycle_views.DuplicateMergeView.as_view(),
        name="duplicate_merge",
    ),
    path(
        "usagers/doublons/<int:duplicate_pair_pk>/ecarter/",
        lifecycle_views.DuplicateDismissView.as_view(),
        name="duplicate_dismiss",
    ),
]
