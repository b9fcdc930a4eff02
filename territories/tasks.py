"""Base classes of Celery tasks: a task runs inside its territory's scope, like a request.

A task takes ids, never objects. `TerritoryTask` finds the territory from one of them
(`territory_from = (Model, "argument")`: the argument holds a pk of Model, or a list of
pks of rows of one territory, whose `territory_id` names the territory) and runs the
task body inside `django_scopes.scope(territory=…)`: a query that strays into another
territory finds nothing, and a scoped query of a task that forgot its territory fails
loudly, as in a view. When the row is gone (deleted since the task was queued), the task
does nothing.

`CrossTerritoryTask` is for the few maintenance tasks that work on every territory at
once (sweepers, clean-ups): they run with scopes disabled, and say so by their base.
Tasks that touch no scoped model need neither: with no scope open, a scoped query
fails.

    @shared_task(base=TerritoryTask, territory_from=(Invitation, "invitation_pk"))
    def send_invitation_mail(invitation_pk: int) -> None: ...
"""

from __future__ import annotations

import inspect
import logging

from celery.contrib.django.task import DjangoTask
from django.db import models
from django_scopes import scope, scopes_disabled

logger = logging.getLogger(__name__)


class TerritoryTask(DjangoTask):
    abstract = True
    territory_from: tuple[type[models.Model], str]

    def territory_id(self, args, kwargs) -> int | None:
        model, argument = self.territory_from
        pk = inspect.signature(self.run).bind(*args, **kwargs).arguments[argument]
        # A list: a batch of rows of one territory (any of them still there names it).
        rows = model._base_manager.filter(**{"pk__in" if isinstance(pk, list) else "pk": pk})
        # The one lookup made before the scope is open: it only reads the territory.
        return rows.values_list("territory_id", flat=True).first()

    def __call__(self, *args, **kwargs):
        territory_id = self.territory_id(args, kwargs)
        if territory_id is None:
            logger.info("%s: %s is gone, nothing to do", self.name, self.territory_from[0].__name__)
            return None
        with scope(territory=territory_id):
            return super().__call__(*args, **kwargs)


class CrossTerritoryTask(DjangoTask):
    abstract = True

    def __call__(self, *args, **kwargs):
        with scopes_disabled():
            return super().__call__(*args, **kwargs)
