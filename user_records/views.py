"""Agents' daily screens on user records: list, export, create, view, edit.

Every screen shows what the territory configured: hidden standard fields and
archived custom fields are left out (their values stay stored)."""

import csv
import re
from collections.abc import Iterator

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView, View
from django_scopes import scope

from territories import permissions
from territories.changes import version_of
from territories.errors import ServiceError
from territories.search import search_words
from territories.sections import SectionMixin
from user_records import services
from user_records.fields import LIST_COLUMNS, field_rows, visible_fields
from user_records.forms import build_user_record_form
from user_records.models import UserRecord
from user_records.paging import get_page, in_batches
from user_records.payloads import user_record_payload
from user_records.queries import search_records

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(,\d+)?")
EXPORT_BATCH = 1000  # rows read and sent at a time: the web process holds no more


def spreadsheet_cell(value: str) -> str:
    """A value a spreadsheet shows as text: never run as a formula (names typed by the
    public in online booking end up here), a quote in front of what would be one."""
    if value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


class UserRecordsMixin(SectionMixin):
    section_key = "records"

    def visible_records(self, query: str = "", fields=None):
        """The user records the agent may see, searched by `query`."""
        territory = self.request.territory
        records = search_records(territory, query, fields)
        return permissions.visible_user_records(self.request.user, territory, records)


class UserRecordListView(UserRecordsMixin, TemplateView):
    template_name = "user_records/user_record_list.html"

    def get_context_data(self, **kwargs):
        fields = visible_fields(self.request.territory)
        query = self.request.GET.get("q", "").strip()
        records = self.visible_records(query, fields)
        page = get_page(records, self.request.GET, searched=bool(search_words(query)))
        columns = [f for f in fields if f.custom is None and f.name in LIST_COLUMNS]
        rows = [(record, [c.display(record) for c in columns]) for record in page.records]
        return super().get_context_data(
            page=page, rows=rows, columns=columns, query=query, **kwargs
        )


class Echo:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


class UserRecordExportView(UserRecordsMixin, View):
    """CSV of the (searched) records with every visible field, for a spreadsheet.

    Streamed: the rows are read EXPORT_BATCH at a time and sent as they are written, so a
    territory's 500,000 records never sit in the web process's memory at once."""

    def get(self, request, *args, **kwargs):
        fields = visible_fields(request.territory)
        query = request.GET.get("q", "").strip()
        records = self.visible_records(query, fields)
        response = StreamingHttpResponse(
            self.lines(request.territory, fields, records, searched=bool(search_words(query))),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="fiches-usagers.csv"'
        return response

    @staticmethod
    def lines(territory, fields, records, *, searched: bool) -> Iterator[str]:
        writer = csv.writer(Echo(), delimiter=";")
        # The BOM lets spreadsheet software detect UTF-8.
        # Labels are written by territory admins: defused like the values.
        yield "\ufeff" + writer.writerow([spreadsheet_cell(field.label) for field in fields])
        # Sent after the view returned, outside the request's scope: reopen it.
        with scope(territory=territory):
            for batch in in_batches(records, EXPORT_BATCH, searched=searched):
                chunk = "".join(
                    writer.writerow(
                        [spreadsheet_cell(value) for _, value in field_rows(fields, record)]
                    )
                    for record in batch
                )
                del batch  # not kept while the next batch is read
                yield chunk


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
        messages.success(self.request, f"La fiche de {record} a été créée.")
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
        messages.success(self.request, f"La fiche de {record} a été modifiée.")
        return redirect("user_records:user_record_detail", self.request.territory.pk, record.pk)
