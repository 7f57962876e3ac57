"""A chart is drawn once for the same data, and again when the data changes."""

from unittest import mock

from django.core.cache import cache

from summaries import charts


def test_the_same_data_is_drawn_once_and_new_data_again():
    cache.clear()
    with mock.patch.object(charts, "_svg", wraps=charts._svg) as draw:
        first = charts.bar_chart_uri(["Caseloads", "IT"], [4, 2], "Open issues")
        again = charts.bar_chart_uri(["Caseloads", "IT"], [4, 2], "Open issues")
        changed = charts.bar_chart_uri(["Caseloads", "IT"], [5, 2], "Open issues")

    assert first == again != changed
    assert draw.call_count == 2
