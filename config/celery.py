import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rdv_territoire")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def drop_old_connections(task=None, **kwargs) -> None:
    """What Django does around a request, around a task: a connection kept between tasks
    (CELERY_DB_REUSE_MAX) is closed once older than CONN_MAX_AGE or unusable. Not for a
    task run in place (`apply()`): its caller's connection and transaction go on."""
    from django.db import close_old_connections

    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()
