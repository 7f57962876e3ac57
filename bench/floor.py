"""The benchmark's floor: the least a page of this app can cost.

One query for 50 issues, rendered in a plain six-column table, with no other work. Served
only when BENCH_FLOOR=1 (the benchmark sets it); every other page is reported as a ratio to
this one.
"""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template import engines

from issues.models import Issue

TEMPLATE = engines["django"].from_string(
    "<!DOCTYPE html><html lang='en-GB'><head><title>Floor</title></head><body><main><table>"
    "<tr><th>Id</th><th>Title</th><th>Category</th><th>Supports</th><th>Date</th>"
    "<th>Status</th></tr>"
    "{% for i in issues %}<tr><td>{{ i.pk }}</td><td>{{ i.title|truncatechars:40 }}</td>"
    "<td>{{ i.category.name }}</td><td>{{ i.support_count }}</td><td>{{ i.raised_on }}</td>"
    "<td>{{ i.get_status_display }}</td></tr>{% endfor %}</table></main></body></html>"
)


def floor(request: HttpRequest, slug: str) -> HttpResponse:
    # One query: the newest 50 issues are picked first (an inner LIMIT), so supports are
    # counted for those rows only, as a careful hand-written page would.
    newest = (
        Issue.objects.filter(forum__slug=slug, merged_into=None)
        .order_by("-raised_on", "-pk")
        .values("pk")[:50]
    )
    issues = list(
        Issue.objects.filter(pk__in=newest)
        .annotate(support_count=Count("supports"))
        .select_related("category")
        .only("pk", "title", "raised_on", "status", "category__name")
        .order_by("-raised_on", "-pk")
    )
    return HttpResponse(TEMPLATE.render({"issues": issues}))
