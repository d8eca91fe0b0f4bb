import pytest

from reviews.errors import ModerationError
from reviews.models import EndUser, ModerationLog, Task
from reviews.services import bulk, jobs
from tests.factories import EndUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_bulk_deactivation_runs_to_completion_once_per_user(moderator):
    users = EndUserFactory.create_batch(7)
    ids = [u.pk for u in users] + ["nobody"]
    task = bulk.start_user_task(kind="deactivate_users", user_ids=ids, actor=moderator)
    task.refresh_from_db()  # eager Celery ran it on commit
    assert task.status == "completed" and task.done == task.total == 8
    assert task.result == {"changed": 7, "missing": 1}
    assert EndUser.objects.filter(pk__in=ids, deactivated_at__isnull=False).count() == 7
    # Running it again (a redelivery) changes nothing and logs nothing more.
    Task.objects.filter(pk=task.pk).update(status="running", done=3)
    jobs.run(str(task.pk))
    assert ModerationLog.objects.filter(action="deactivate_user").count() == 7


@pytest.mark.parametrize("ids, problem", [([], "non-empty"), (["a", ""], "non-empty string"), ("abc", "list")])
def test_bad_user_ids_are_refused_before_anything_is_written(moderator, ids, problem):
    with pytest.raises(ModerationError) as exc:
        bulk.start_user_task(kind="deactivate_users", user_ids=ids, actor=moderator)
    assert exc.value.field == "user_ids" and problem in exc.value.message
    assert not Task.objects.exists()
