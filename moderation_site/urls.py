from django.contrib import admin
from django.urls import include, path

from reviews.api.app import urls as api_urls
from reviews.urls import auth_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v2/", api_urls()),
    *auth_urlpatterns,
    path("", include("reviews.urls")),
]
