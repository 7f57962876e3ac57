"""A refused send can be put right and sent again; forms sent long ago are forgotten."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from forum_app.models import FormSubmission
from forum_app.retention import retention_apply
from meetings.models import AgendaItem
from tests.conftest import client_for
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
TOKEN = "R" * 32


def test_a_refused_send_that_redirects_can_be_sent_again_with_the_same_token(forum, convenor):
    meeting = MeetingFactory(forum=forum)
    client = client_for(convenor)
    url = reverse("meetings:agenda_add", args=[forum.slug, meeting.pk])
    refused = client.post(url, {"title": "", "once": TOKEN}, follow=True)
    assert "Say what the item is." in refused.content.decode()
    assert not FormSubmission.objects.exists(), "a refused send is not a sent form"

    client.post(url, {"title": "Mileage claims", "once": TOKEN})
    assert AgendaItem.objects.filter(meeting=meeting, title="Mileage claims").count() == 1
    again = client.post(url, {"title": "Mileage claims", "once": TOKEN}, follow=True)
    assert "That was sent already" in again.content.decode()
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1


def test_a_sent_form_is_remembered_by_its_day_only(forum, convenor):
    meeting = MeetingFactory(forum=forum)
    url = reverse("meetings:agenda_add", args=[forum.slug, meeting.pk])
    client_for(convenor).post(url, {"title": "Mileage claims", "once": TOKEN})
    (row,) = FormSubmission.objects.all()
    assert row.sent_on == timezone.localdate()
    assert not any(
        isinstance(getattr(row, field.attname), datetime.datetime)
        for field in FormSubmission._meta.concrete_fields
    ), "no time of day is kept"


def test_the_daily_retention_forgets_forms_sent_long_ago(db):
    today = timezone.localdate()
    keep = settings.RETENTION_FORM_SUBMISSION_DAYS
    FormSubmission.objects.create(key="old", sent_on=today - datetime.timedelta(days=keep + 1))
    FormSubmission.objects.create(key="recent", sent_on=today - datetime.timedelta(days=keep))
    assert retention_apply()["form_submissions"] == 1
    assert list(FormSubmission.objects.values_list("key", flat=True)) == ["recent"]
