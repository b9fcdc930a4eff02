from django.urls import path

from territories import views

app_name = "territories"

urlpatterns = [
    path("", views.territory_list, name="list"),
    path("<int:territory_pk>/", views.DashboardView.as_view(), name="dashboard"),
]
