"""Agents' daily screens on user records: list, export, create, view, edit.

Every screen shows what the territory configured: hidden standard fields and
archived custom fields are left out (their values stay stored)."""

import csv
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView, View

from territories import permissions
from territories.changes import version_of
from territories.errors import ServiceError
from territories.sections import SectionMixin
from user_records import services
from user_records.fields import LIST_COLUMNS, field_rows, visible_fields
from user_records.forms import build_user_record_form
from user_records.models import UserRecord
from user_records.payloads import user_record_payload
from user_records.queries import search_records

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(,\d+)?")


def spreadsheet_cell(value: str) -> str:
    """A value a spreadsheet shows as text: never run as a formula (names typed by the
    public in online booking end up here), a quote in front of what would be one."""
    if value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


class RecordsMixin(SectionMixin):
    section_key = "records"

    def visible_records(self, query: str = "", fields=None):
        """The user records the agent may see, searched by `query`."""
        territory = self.request.territory
        records = search_records(territory, query, fields)
        return permissions.visible_user_records(self.request.user, territory, records)


class RecordListView(RecordsMixin, TemplateView):
    template_name = "user_records/record_list.html"

    def get_context_data(self, **kwargs):
        fields = visible_fields(self.request.territory, include_custom=False)
        query = self.request.GET.get("q", "").strip()
        records = self.visible_records(query, fields)
        page = Paginator(records, 25).get_page(self.request.GET.get("page"))
        columns = [field for field in fields if field.name in LIST_COLUMNS]
        rows = [(record, [c.display(record) for c in columns]) for record in page.object_list]
        return super().get_context_data(
            page_obj=page, rows=rows, columns=columns, query=query, **kwargs
        )


class RecordExportView(RecordsMixin, View):
    """CSV of the (searched) records with every visible field, for a spreadsheet."""

    def get(self, request, *args, **kwargs):
        fields = visible_fields(request.territory)
        query = request.GET.get("q", "").strip()
        records = self.visible_records(query, fields)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="fiches-usagers.csv"'
        response.write("\ufeff")  # lets spreadsheet software detect UTF-8
        writer = csv.writer(response, delimiter=";")
        writer.writerow([field.label for field in fields])
        for record in records.iterator(chunk_size=500):
            writer.writerow([spreadsheet_cell(value) for _, value in field_rows(fields, record)])
        return response


class RecordCreateView(RecordsMixin, FormView):
    template_name = "user_records/record_form.html"

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        return build_user_record_form(self.request.territory, data=data)

    def form_valid(self, form):
        record = services.create_user_record(
            self.request.territory,
            form.standard_values(),
            form.custom_values(),
            acting_agent=self.request.user,
        )
        messages.success(self.request, f"La fiche de {record} a été créée.")
        return redirect("user_records:user_record_detail", self.request.territory.pk, record.pk)


class RecordObjectMixin(RecordsMixin):
    @cached_property
    def record(self) -> UserRecord:
        records = permissions.visible_user_records(
            self.request.user, self.request.territory, UserRecord.objects.all()
        )
        return get_object_or_404(records, pk=self.kwargs["user_record_pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.record, **kwargs)


class RecordDetailView(RecordObjectMixin, TemplateView):
    template_name = "user_records/record_detail.html"

    def get_context_data(self, **kwargs):
        fields = visible_fields(self.request.territory)
        return super().get_context_data(
            rows=field_rows(fields, self.record),
            organisations=self.record.organisations.all(),
            **kwargs,
        )


class RecordUpdateView(RecordObjectMixin, FormView):
    template_name = "user_records/record_form.html"

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
