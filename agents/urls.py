from django.urls import path

from agents import views

app_name = "agents"

urlpatterns = [
    path("", views.AgentListView.as_view(), name="section"),
    path("inviter/", views.invite, name="invite"),
    path("intervenants/nouveau/", views.intervenant_create, name="intervenant_create"),
    path("mon-espace/", views.HomeView.as_view(), name="home"),
    path("<int:agent_pk>/", views.agent_detail, name="agent_detail"),
    path("<int:agent_pk>/retirer/", views.agent_remove, name="remove"),
    path("invitations/<int:invitation_pk>/", views.invitation_detail, name="invitation_detail"),
    path(
        "invitations/<int:invitation_pk>/renvoyer/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "invitations/<int:invitation_pk>/revoquer/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
