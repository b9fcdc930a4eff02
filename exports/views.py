"""An agent's exports: ask for one (RDVs of a period, or the user records of the list and
its search), follow its progress, download the file. An export is its requester's
only: anyone else gets 404, as for an object they may not see."""

from __future__ import annotations

import logging

from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import View

from exports import services
from exports.forms import RdvExportForm
from exports.models import LIFETIME_LABEL, Export, ExportKind, ExportStatus
from territories import permissions
from territories.search import search_words

logger = logging.getLogger(__name__)


def own_exports(request):
    return Export.objects.filter(territory=request.territory, requested_by=request.user)


def own_export(request, export_pk: int) -> Export:
    return get_object_or_404(own_exports(request), pk=export_pk)


class ExportListView(permissions.MemberRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        exports = own_exports(request)[:50]
        return render(
            request,
            "exports/export_list.html",
            {"exports": exports, "lifetime": LIFETIME_LABEL},
        )


class ExportCreateView(permissions.MemberRequiredMixin, View):
    """GET: the RDV export's form, or the confirmation of a user-record export (`type=
    fiches`, with the list's search `q`); POST: ask for it, then follow it."""

    def get(self, request, *args, **kwargs):
        if request.GET.get("type") == "fiches":
            return self.render_user_records(request.GET.get("q", ""))
        form = RdvExportForm(territory=request.territory, agent=request.user)
        return self.render_rdvs(form)

    def post(self, request, *args, **kwargs):
        if request.POST.get("type") == "fiches":
            # PostgreSQL stores no NUL character; the search reads it as a space anyway.
            query = request.POST.get("q", "").replace("\x00", " ").strip()
            filters = {"q": query} if search_words(query) else {}
            return self.requested(ExportKind.USER_RECORDS, filters)
        form = RdvExportForm(request.POST, territory=request.territory, agent=request.user)
        if not form.is_valid():
            return self.render_rdvs(form)
        return self.requested(ExportKind.RDVS, form.filters())

    def requested(self, kind, filters):
        export = services.request_export(
            self.request.territory, kind, filters, acting_agent=self.request.user
        )
        return redirect("exports:export_detail", self.request.territory.pk, export.pk)

    def render_rdvs(self, form):
        return render(
            self.request,
            "exports/export_form.html",
            {"form": form, "kind": ExportKind.RDVS, "lifetime": LIFETIME_LABEL},
        )

    def render_user_records(self, query):
        return render(
            self.request,
            "exports/export_form.html",
            {
                "kind": ExportKind.USER_RECORDS,
                "query": query.strip(),
                "lifetime": LIFETIME_LABEL,
            },
        )


class ExportDetailView(permissions.MemberRequiredMixin, View):
    """The export's progress; the page refreshes its progress bar (htmx) until done."""

    def get(self, request, *args, **kwargs):
        export = own_export(request, kwargs["export_pk"])
        context = {"export": export, "lifetime": LIFETIME_LABEL, "statuses": ExportStatus}
        if request.htmx:
            return render(request, "exports/_export_progress.html", context)
        return render(request, "exports/export_detail.html", context)


class ExportDownloadView(permissions.MemberRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        export = own_export(request, kwargs["export_pk"])
        if export.is_expired:
            return render(
                request,
                "exports/export_expired.html",
                {"export": export, "lifetime": LIFETIME_LABEL},
                status=410,
            )
        if export.status != ExportStatus.DONE:
            return redirect("exports:export_detail", request.territory.pk, export.pk)
        path = export.file
        if path is None or not path.exists():
            # Built, but not on this machine's disk: the web and the workers do not share
            # EXPORTS_DIR (README), or the file was removed by hand.
            logger.error("Export %s: file missing from EXPORTS_DIR", export.pk)
            return render(
                request,
                "exports/export_expired.html",
                {"export": export, "lifetime": LIFETIME_LABEL, "missing": True},
                status=410,
            )
        services.record_download(export, acting_agent=request.user)
        # Streamed from the disk in blocks: the web process never holds the file.
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=export.file_name,
            content_type="text/csv; charset=utf-8",
        )
