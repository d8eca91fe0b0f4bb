from django.contrib import admin
from django.urls import include, path

from reviews.urls import auth_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    *auth_urlpatterns,
    path("", include("reviews.urls")),
]
