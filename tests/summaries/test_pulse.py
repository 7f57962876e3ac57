"""The workload pulse: one anonymous answer per member per month, shown only in groups of k."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from forum_app.models import User
from summaries import services
from summaries.models import PulseAnswer, PulseReceipt
from summaries.services import PulseData
from tests.conftest import client_for
from tests.factories import MembershipFactory, ServiceAreaFactory

pytestmark = pytest.mark.django_db

GOOD = {"caseload": "24", "extra_hours": "6", "admin_percent": "60", "wellbeing": "2"}
MAY = datetime.date(2026, 5, 14)


def answer(forum, user, *, area=None, today=MAY, **figures):
    data = PulseData(
        **({"caseload": 20, "extra_hours": 5, "admin_percent": 50, "wellbeing": 3} | figures),
        service_area=area,
    )
    services.pulse_answer(forum=forum, actor=user, data=data, today=today)


JUNE = datetime.date(2026, 6, 2)


def count_may() -> int:
    return services.pulse_count_past_months(today=JUNE)


def test_an_answer_waits_sealed_and_is_counted_when_the_month_ends(forum, member):
    answer(forum, member, caseload=31)
    receipt = PulseReceipt.objects.get()
    assert (receipt.user, receipt.month) == (member, datetime.date(2026, 5, 1))
    assert not PulseAnswer.objects.exists()
    assert services.pulse_waiting(forum, datetime.date(2026, 5, 1)) == 1
    assert services.pulse_count_past_months(today=MAY.replace(day=31)) == 0
    assert count_may() == 1
    stored = PulseAnswer.objects.get()
    assert (stored.month, stored.caseload) == (datetime.date(2026, 5, 1), 31)
    assert count_may() == 0
    assert PulseAnswer.objects.count() == 1


def test_an_answer_after_the_month_was_counted_is_refused(forum, member):
    answer(forum, member)
    count_may()
    late = MembershipFactory(forum=forum).user
    with pytest.raises(ValidationError, match="has just closed"):
        answer(forum, late, today=MAY.replace(day=31))
    assert PulseReceipt.objects.count() == PulseAnswer.objects.count() == 1


def test_a_second_answer_in_the_same_month_is_refused_and_nothing_changes(forum, member):
    answer(forum, member, caseload=31)
    with pytest.raises(ValidationError, match="already answered this month"):
        answer(forum, member, caseload=5, today=MAY.replace(day=30))
    count_may()
    assert list(PulseAnswer.objects.values_list("caseload", flat=True)) == [31]
    answer(forum, member, today=datetime.date(2026, 6, 1))
    services.pulse_count_past_months(today=datetime.date(2026, 7, 1))
    assert PulseReceipt.objects.count() == PulseAnswer.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("caseload", -1),
        ("caseload", 201),
        ("extra_hours", 81),
        ("admin_percent", 200),
        ("wellbeing", 0),
        ("wellbeing", 9),
    ],
)
def test_the_service_refuses_figures_out_of_range(forum, member, field, value):
    with pytest.raises(ValidationError) as raised:
        answer(forum, member, **{field: value})
    assert field in raised.value.error_dict
    assert not PulseReceipt.objects.exists()
    assert not PulseAnswer.objects.exists()


def test_the_service_refuses_another_forums_service_area(forum, other_forum, member):
    with pytest.raises(ValidationError) as raised:
        answer(forum, member, area=ServiceAreaFactory(forum=other_forum))
    assert "service_area" in raised.value.error_dict
    assert not PulseAnswer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("caseload", "-3", "Enter a whole number from 0 to 200."),
        ("caseload", "lots", "Enter a whole number from 0 to 200."),
        ("admin_percent", "200", "Enter a whole number from 0 to 100."),
        ("extra_hours", "", "Enter a whole number from 0 to 80."),
        ("wellbeing", "9", "Choose how you are coping, from 1 to 5."),
    ],
)
def test_bad_values_get_a_clear_message_by_the_field_and_keep_what_was_typed(
    forum, member, field, value, message
):
    url = reverse("summaries:pulse", args=[forum.slug])
    response = client_for(member).post(url, GOOD | {field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[field] == [message]
    page = response.content.decode()
    assert message in page
    kept = "extra_hours" if field != "extra_hours" else "caseload"
    assert f'value="{GOOD[kept]}"' in page
    if field != "wellbeing" and value:
        assert f'value="{value}"' in page
    assert not PulseReceipt.objects.exists()
    assert not PulseAnswer.objects.exists()


def test_answering_through_the_page_then_again_says_already_answered(forum, member):
    url = reverse("summaries:pulse", args=[forum.slug])
    client = client_for(member)
    assert client.post(url, GOOD).status_code == 302
    page = client.get(url).content.decode()
    assert "You have already answered this month" in page
    assert "1 answer for" in page and "is sealed" in page
    again = client.post(url, GOOD)
    assert "You have already answered this month" in again.content.decode()
    assert PulseReceipt.objects.count() == 1


def test_pulse_answers_hold_no_person_and_no_time_beyond_the_month():
    fields = [f for f in PulseAnswer._meta.get_fields() if f.concrete]
    for field in fields:
        assert not (field.is_relation and field.related_model is User), field.name
        if isinstance(field, (models.DateField, models.TimeField, models.DurationField)):
            assert field.name == "month", field.name
        assert not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False)
    assert {f.name for f in fields} == {
        "id",
        "forum",
        "month",
        "service_area",
        "caseload",
        "extra_hours",
        "admin_percent",
        "wellbeing",
    }
    assert not PulseAnswer._meta.ordering


def test_pulse_receipts_hold_nothing_about_the_answers():
    assert {f.name for f in PulseReceipt._meta.get_fields() if f.concrete} == {
        "id",
        "forum",
        "user",
        "month",
    }


def last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _answers(forum, area, count, **figures):
    """``count`` answers last month (counted once the test calls ``pulse_count_past_months``)."""
    for _ in range(count):
        answer(forum, MembershipFactory(forum=forum).user, area=area, today=last_month(), **figures)


def test_a_service_area_with_four_answers_never_appears_on_its_own(forum, member):
    big = ServiceAreaFactory(forum=forum, name="Children in care")
    small = ServiceAreaFactory(forum=forum, name="Fostering and adoption")
    other = ServiceAreaFactory(forum=forum, name="Youth justice")
    _answers(forum, big, 6)
    _answers(forum, small, 4, caseload=90)
    _answers(forum, other, 2)
    services.pulse_count_past_months()
    page = client_for(member).get(reverse("summaries:pulse", args=[forum.slug]))
    text = page.content.decode()
    assert "Children in care" in text
    assert "Fostering and adoption" not in text.split('id="results"')[1]
    assert "Youth justice" not in text.split('id="results"')[1]
    assert "Other (fewer than 5)" in text
    areas = page.context["results"][0].areas
    assert [(a.label, a.people) for a in areas] == [
        ("Children in care", 6),
        ("Other (fewer than 5)", 6),
    ]
