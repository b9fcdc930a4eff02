"""The agent's own API tokens, in their space: list, create (shown once), revoke
(after confirmation). A token is personal: no one else, not even a territory admin,
sees or revokes it here (support staff can, in the Django admin)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import View

from api import services
from api.forms import TokenForm
from api.models import ApiToken
from territories import permissions


def _tokens(request):
    return ApiToken.objects.filter(territory=request.territory, agent=request.user)


NEW_TOKEN_KEY = "api_new_token"  # noqa: S105  (a session key)


class TokenListView(permissions.MemberRequiredMixin, View):
    """GET: the agent's tokens and the creation form; POST: create one, then show it once
    on the list it redirects to (as the webhooks page shows a new secret: kept in the
    session until that page is shown, never in a URL or a log)."""

    template_name = "api/token_list.html"

    def get(self, request, *args, **kwargs):
        created = request.session.pop(NEW_TOKEN_KEY, None)
        token = created and _tokens(request).filter(pk=created["token"]).first()
        if token is None:
            return self.render(TokenForm())
        return self.render(TokenForm(), created=token, raw_token=created["raw"])

    def post(self, request, *args, **kwargs):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        token, raw = services.create_token(
            request.territory, form.cleaned_data["name"], acting_agent=request.user
        )
        request.session[NEW_TOKEN_KEY] = {"token": token.pk, "raw": raw}
        return redirect("api:token_list", territory_pk=request.territory.pk)

    def render(self, form, **context):
        base_url = request_base(self.request)
        docs = reverse("api_v1:docs")
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "tokens": _tokens(self.request).order_by("revoked_at", "-created_at", "-pk"),
                "api_url": base_url + docs.removesuffix("docs/"),
                "docs_url": base_url + docs,
                **context,
            },
        )


def request_base(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


class TokenRevokeView(permissions.MemberRequiredMixin, View):
    template_name = "api/token_revoke.html"

    def get(self, request, *args, **kwargs):
        token = get_object_or_404(_tokens(request), pk=kwargs["token_pk"])
        return render(request, self.template_name, {"token": token})

    def post(self, request, *args, **kwargs):
        token = get_object_or_404(_tokens(request), pk=kwargs["token_pk"])
        services.revoke_token(token, acting_agent=request.user)
        messages.success(request, f"Le jeton « {token.name} » est révoqué : il ne fonctionne plus.")
        return redirect("api:token_list", territory_pk=request.territory.pk)
