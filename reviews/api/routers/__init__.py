"""One module per area, each exposing `router = Router()`; registered in reviews/api/app.py."""
