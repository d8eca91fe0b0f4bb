from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from reviews.views import health, queue

app_name = "reviews"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", RedirectView.as_view(pattern_name="reviews:queue", permanent=False)),
    path("queue/", queue.queue, name="queue"),
]

auth_urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
