from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from agents import public_views as invitation_views
from agents import views as agent_views
from agents.login_throttle import ThrottledAdminLoginForm
from config import outbox
from notifications import views as notification_views
from organisations.urls import services_urlpatterns
from proconnect import views as proconnect_views

territory_sections = [
    path("agents/", include("agents.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("", include("user_records.urls")),  # fiches-usagers/ (configuration) and usagers/
    path("fiches-rdv/", include("rdv_settings.urls")),
    path("motifs/", include("motifs.urls")),
    path("services/", include(services_urlpatterns)),
    path("organisations/", include("organisations.urls")),
    path("rdv/", include("rdvs.urls")),
    path("plages/", include("availability.urls")),
    path("api/", include("api.urls")),  # the agent's own API tokens
    path("statistiques/", include("stats.urls")),
    path("exports/", include("exports.urls")),  # the agent's own exports
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="territories:list"), name="home"),
    path("connexion/", agent_views.LoginView.as_view(), name="login"),
    path("deconnexion/", proconnect_views.LogoutView.as_view(), name="logout"),
    path("proconnect/", include("proconnect.urls")),
    path("mot-de-passe/", include("agents.urls_password")),
    path(
        "invitations/<str:token>/",
        invitation_views.accept_invitation,
        name="invitation_accept",
    ),
    path("territoires/", include("territories.urls")),
    path("territoires/<int:territory_pk>/", include(territory_sections)),
    path("prendre-rdv/", include("booking.urls")),
    path(
        "anymail/brevo/tracking/",
        notification_views.brevo_tracking,
        name="anymail_brevo_tracking",
    ),
    path("api/v1/", include("api.urls_v1")),
    path("admin/", admin.site.urls),
    path("dev/outbox/", outbox.outbox_list, name="dev_outbox"),
    path("dev/outbox/<str:name>/", outbox.outbox_detail, name="dev_outbox_detail"),
]

# /admin/login/ is throttled like the login page.
admin.site.login_form = ThrottledAdminLoginForm
admin.site.site_header = "RDV Territoire — support"
admin.site.site_title = "RDV Territoire"
admin.site.index_title = "Administration"
