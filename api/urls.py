"""The agent's token pages, under the territory (/territoires/<pk>/api/…)."""

from django.urls import path

from api import views

app_name = "api"

urlpatterns = [
    path("jetons/", views.TokenListView.as_view(), name="token_list"),
    path("jetons/<int:token_pk>/revoquer/", views.TokenRevokeView.as_view(), name="token_revoke"),
]
