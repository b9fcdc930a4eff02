"""Agents' daily screens on user records: list, create, view, edit (the export is an
exports.Export, built by a worker).

Every screen shows what the territory configured: hidden standard fields and
archived custom fields are left out (their values stay stored)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from territories import permissions
from territories.changes import version_of
from territories.errors import ServiceError
from territories.french import de
from territories.sections import SectionMixin
from user_records import services
from user_records.fields import LIST_COLUMNS, field_rows, visible_fields
from user_records.forms import build_user_record_form
from user_records.models import UserRecord
from user_records.paging import get_page
from user_records.payloads import user_record_payload
from user_records.queries import agent_records


class UserRecordsMixin(SectionMixin):
    section_key = "records"


class UserRecordListView(UserRecordsMixin, TemplateView):
    template_name = "user_records/user_record_list.html"

    def get_context_data(self, **kwargs):
        fields = visible_fields(self.request.territory)
        query = self.request.GET.get("q", "").strip()
        seen = agent_records(self.request.user, self.request.territory, query, fields)
        page = get_page(
            seen.records, self.request.GET, searched=seen.gathered, counted=seen.counted
        )
        columns = [f for f in fields if f.custom is None and f.name in LIST_COLUMNS]
        rows = [(record, [c.display(record) for c in columns]) for record in page.records]
        return super().get_context_data(
            page=page,
            rows=rows,
            columns=columns,
            query=query,
            search_label=search_hint(fields),
            **kwargs,
        )


# What the search box names, each only while its field is shown (search.py searches
# only the fields shown).
SEARCH_HINTS = [("email", "e-mail"), ("phone", "téléphone"), ("case_number", "n° de dossier")]


def search_hint(fields) -> str:
    shown = {field.name for field in fields if field.custom is None}
    words = ["nom"] + [word for name, word in SEARCH_HINTS if name in shown]
    return f"Rechercher un usager ({', '.join(words)}…)"


class UserRecordCreateView(UserRecordsMixin, FormView):
    template_name = "user_records/user_record_form.html"

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        territory, agent = self.request.territory, self.request.user
        form = build_user_record_form(territory, data=data)
        organisations = permissions.rdv_organisations(agent, territory)
        form.ask_organisations(
            organisations, initial=organisations.filter(agent_roles__agent=agent)
        )
        return form

    def form_valid(self, form):
        record = services.create_user_record(
            self.request.territory,
            form.standard_values(),
            form.custom_values(),
            organisations=form.followed_by(),
            acting_agent=self.request.user,
        )
        messages.success(self.request, f"La fiche {de(record)} a été créée.")
        return redirect("user_records:user_record_detail", self.request.territory.pk, record.pk)


class UserRecordObjectMixin(UserRecordsMixin):
    @cached_property
    def record(self) -> UserRecord:
        records = permissions.visible_user_records(
            self.request.user, self.request.territory, UserRecord.objects.all()
        )
        return get_object_or_404(records, pk=self.kwargs["user_record_pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.record, **kwargs)


class UserRecordDetailView(UserRecordObjectMixin, TemplateView):
    template_name = "user_records/user_record_detail.html"

    def get_context_data(self, **kwargs):
        fields = visible_fields(self.request.territory)
        return super().get_context_data(
            rows=field_rows(fields, self.record),
            organisations=self.record.organisations.all(),
            may_delete=permissions.may_delete_user_record(
                self.request.user, self.request.territory, self.record
            ),
            **kwargs,
        )


class UserRecordUpdateView(UserRecordObjectMixin, FormView):
    template_name = "user_records/user_record_form.html"

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        return build_user_record_form(
            self.request.territory,
            data=data,
            record=self.record,
            version=version_of(user_record_payload(self.record)),
        )

    def form_valid(self, form):
        try:
            record = services.update_user_record(
                self.record,
                form.standard_values(),
                form.custom_values(),
                acting_agent=self.request.user,
                version=form.shown_version,
            )
        except ServiceError as error:
            error.apply_to_form(form)
            return self.form_invalid(form)
        messages.success(self.request, f"La fiche {de(record)} a été modifiée.")
        return redirect("user_records:user_record_detail", self.request.territory.pk, record.pk)
