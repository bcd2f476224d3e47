from django.urls import URLPattern, URLResolver

app_name = "deliveries"

urlpatterns: list[URLPattern | URLResolver] = []
