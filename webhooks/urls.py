from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.EndpointListView.as_view(), name="section"),
    path("nouveau/", views.EndpointCreateView.as_view(), name="create"),
    path("<int:endpoint_pk>/", views.EndpointDetailView.as_view(), name="endpoint_detail"),
    path("<int:endpoint_pk>/modifier/", views.EndpointUpdateView.as_view(), name="update"),
    path("<int:endpoint_pk>/desactiver/", views.endpoint_disable, name="disable"),
    path("<int:endpoint_pk>/reactiver/", views.endpoint_enable, name="enable"),
    path("<int:endpoint_pk>/supprimer/", views.EndpointDeleteView.as_view(), name="delete"),
    path("<int:endpoint_pk>/secret/", views.RotateSecretView.as_view(), name="rotate"),
    path("<int:endpoint_pk>/test/", views.endpoint_ping, name="ping"),
    path(
        "<int:endpoint_pk>/renvoyer-echecs/",
        views.ResendFailedView.as_view(),
        name="resend_failed",
    ),
    path(
        "<int:endpoint_pk>/envois/<int:delivery_pk>/",
        views.DeliveryDetailView.as_view(),
        name="delivery_detail",
    ),
    path(
        "<int:endpoint_pk>/envois/<int:delivery_pk>/renvoyer/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]
