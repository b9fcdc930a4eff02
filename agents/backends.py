"""Who may log in with a password: everyone with an account, except intervenants."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from territories import permissions


class IntervenantGate:
    """Listed first in AUTHENTICATION_BACKENDS: an intervenant's credentials are refused
    before any backend checks the password (PermissionDenied stops the chain), whether
    they still hold one from an earlier level or not. The login form answers as for a
    wrong password: the page tells nothing about the account.

    Only `authenticate`: without `get_user` it never holds a session (the test
    client's force_login, for one, picks the first backend that has it)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username:
            model = get_user_model()
            agent = model._default_manager.filter(email__iexact=username).first()
            if agent is not None and permissions.is_intervenant_only(agent):
                raise PermissionDenied
        return None  # the next backend checks the password
