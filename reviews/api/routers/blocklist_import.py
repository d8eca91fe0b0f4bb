"""`import_block_list`: many words into a blocklist at once, as a background task
(reviews/services/blocklist_import.py)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from reviews.services.blocklist_import import start_import

from ..schemas import Body

router = Router(tags=["policies"])


class ImportBlockListBody(Body):
    items: list[str]
    chunk_size: int | None = None


class ImportBlockListOut(Schema):
    task_id: str


@router.post("/blocklists/{id}/import", response=ImportBlockListOut,
             summary="import_block_list: validated, deduplicated words added as a task (see get_task)")
def import_block_list(request: HttpRequest, id: str, data: ImportBlockListBody) -> dict:
    request.auth.require_moderator("import_block_list")
    actor = request.auth.acting_user(None)
    task = start_import(blocklist_id=id, items=data.items, chunk_size=data.chunk_size, actor=actor)
    return {"task_id": str(task.pk)}
