from django.shortcuts import render

from reviews.permissions import VIEWERS, dashboard_role, role_required
from reviews.selectors.queue import queue_filter, queue_page


@role_required(VIEWERS)
def queue(request):
    """The review queue: pending items newest first, keyset 'load more'. HTMX asks for the `rows` partial."""
    data = request.GET.copy()
    data.setdefault("status", "pending")
    filterset = queue_filter(data)
    filterset.is_valid()
    page = queue_page(filterset=filterset, limit=50, next_cursor=request.GET.get("next") or None)
    context = {"page": page, "items": page.rows, "filters": data, "role": dashboard_role(request.user)}
    template = "reviews/queue.html#rows" if request.htmx and request.GET.get("next") else "reviews/queue.html"
    return render(request, template, context)
