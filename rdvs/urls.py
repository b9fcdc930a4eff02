app_name = "rdvs"

urlpatterns: list = []
