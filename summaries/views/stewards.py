"""Stewards' exports of anonymous summaries, outside any one forum."""

import logging

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from forum_app.http import MembershipsRequest
from forum_app.permissions import ability_anywhere_required
from summaries import services
from summaries.exports import CONTENT_TYPES, download_name
from summaries.forms import ExportForm
from summaries.models import ExportRecord, ExportStatus
from summaries.tasks import make_export

logger = logging.getLogger(__name__)


RECENT_EXPORTS = 5


def _start_export(record: ExportRecord) -> None:
    try:
        make_export.delay(record.pk)
    except Exception:
        logger.exception("Could not queue export %s; making it now", record.pk)
        services.export_run(record_id=record.pk)


@ability_anywhere_required("export_summaries")
def exports(request: MembershipsRequest) -> HttpResponse:
    forums = [membership.forum for membership in request.memberships]
    form = ExportForm(request.POST or None, forums=forums)
    if request.method == "POST" and form.is_valid():
        record = services.export_record(
            actor=request.user,
            forums=list(form.cleaned_data["forums"]),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            format=form.cleaned_data["format"],
        )
        _start_export(record)
        return redirect("exports:job", record.pk)
    recent = ExportRecord.objects.filter(user=request.user).prefetch_related("forums")
    return render(
        request,
        "summaries/exports.html",
        {"form": form, "forums": forums, "recent": recent[:RECENT_EXPORTS]},
    )


def _own_export(request: HttpRequest, pk: int) -> ExportRecord:
    return get_object_or_404(
        ExportRecord.objects.prefetch_related("forums"), pk=pk, user=request.user
    )


@ability_anywhere_required("export_summaries")
def export_job(request: MembershipsRequest, pk: int) -> HttpResponse:
    record = _own_export(request, pk)
    template = "summaries/export_job.html"
    if request.htmx:
        template += "#status"
    return render(
        request, template, {"record": record, "ready": record.status == ExportStatus.DONE}
    )


@ability_anywhere_required("export_summaries")
def export_download(request: MembershipsRequest, pk: int) -> FileResponse:
    record = _own_export(request, pk)
    if record.status != ExportStatus.DONE or not default_storage.exists(record.file_name):
        raise Http404
    return FileResponse(
        default_storage.open(record.file_name, "rb"),
        as_attachment=True,
        filename=download_name(record.period_start, record.period_end, record.format),
        content_type=CONTENT_TYPES[record.format][1],
    )
