"""The bare floor: what a plain Django page costs on this machine.

Fifty rows of six columns, made once when the process starts (no database), rendered through
the template engine with a few filters, as the least any server-rendered list page can cost.
Every page the benchmark measures is also reported as a ratio to this one.
"""

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

STATUSES = ["Open", "In a theme", "Escalated", "Resolved", "Closed"]
CATEGORIES = ["Caseloads", "IT and equipment", "Supervision", "Travel", "Training"]
ROWS = [
    {
        "pk": 10_000 - i,
        "title": f"Issue number {i}: caseloads stop statutory visits from happening in time",
        "category": CATEGORIES[i % len(CATEGORIES)],
        "supports": (i * 7) % 40,
        "raised_on": date(2026, 11, 30) - timedelta(days=i),
        "status": STATUSES[i % len(STATUSES)],
    }
    for i in range(50)
]


def table(request: HttpRequest) -> HttpResponse:
    return render(request, "table.html", {"rows": ROWS})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")
