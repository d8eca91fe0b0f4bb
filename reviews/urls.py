from django.contrib.auth import views as auth_views
from django.urls import path, register_converter
from django.views.generic import RedirectView

from reviews.converters import StreamIdConverter
from reviews.views import (
    appeals,
    bans,
    calls,
    health,
    images,
    log,
    login,
    overview,
    policies,
    preferences,
    queue,
    tasks,
    users,
)

register_converter(StreamIdConverter, "sid")

app_name = "reviews"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", RedirectView.as_view(pattern_name="reviews:queue", permanent=False)),
    path("queue/", queue.queue, name="queue"),
    path("calls/", calls.calls, name="calls"),
    path("calls/act", calls.act, name="calls-act"),
    path("queue/changes", queue.changes, name="queue-changes"),
    path("queue/switcher", queue.queue_switcher, name="queue-switcher"),
    path("queue/next", queue.claim_next, name="queue-next"),
    path("queue/bulk", queue.bulk, name="queue-bulk"),
    path("queue/<uuid:pk>/", queue.item_detail, name="item"),
    path("queue/<uuid:pk>/decide", queue.decide, name="decide"),
    path("queue/<uuid:pk>/claim", queue.claim, name="claim"),
    path("queue/<uuid:pk>/release", queue.release, name="release"),
    path("queue/<uuid:pk>/images/<int:n>", images.item_image, name="item-image"),
    path("tasks/<uuid:pk>/", tasks.task_detail, name="task"),
    path("log/", log.log_list, name="log"),
    path("log/undo", log.undo, name="undo"),
    path("log/undo-matching", log.undo_matching, name="undo-matching"),
    path("users/", users.user_list, name="users"),
    path("users/bulk", users.user_bulk, name="users-bulk"),
    path("users/<sid:user_id>/", users.user_detail, name="user"),
    path("users/<sid:user_id>/act", users.user_act, name="user-act"),
    path("bans/", bans.ban_list, name="bans"),
    path("appeals/", appeals.appeal_list, name="appeals"),
    path("appeals/<uuid:pk>/decide", appeals.decide, name="appeal-decide"),
    path("bans/lift", bans.lift, name="bans-lift"),
    path("overview/", overview.overview, name="overview"),
    path("preferences/", preferences.preferences, name="preferences"),
    *policies.urlpatterns,
]

auth_urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/session", login.session_status, name="session-status"),
]
