"""No table anywhere can tie a voter to what they voted for."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test.utils import isolate_apps

from meetings.models import BallotReceipt, Theme, ThemeTally

COUNT_NAMES = {"dots", "allocation", "allocations", "points", "votes", "score"}
VOTE_MODELS = {"meetings.Theme", "meetings.ThemeTally", "meetings.MeetingTheme"}
# People named for another reason than voting: the senior leader a decision is addressed
# to, and the convenor who drafted a brief about a theme.
NOT_VOTERS = {("meetings.Decision", "leader"), ("escalations.Brief", "created_by")}


def _points_at_user(field) -> bool:
    return field.is_relation and field.related_model is apps.get_model(settings.AUTH_USER_MODEL)


def ties_voter_to_choice(model) -> bool:
    """True when one row of ``model`` holds a person together with a theme or a dot count."""
    label = model._meta.label
    fields = [f for f in model._meta.get_fields() if f.concrete]
    people = [f for f in fields if _points_at_user(f) and (label, f.name) not in NOT_VOTERS]
    choices = [
        f
        for f in fields
        if f.name in COUNT_NAMES
        or (
            f.is_relation
            and f.related_model is not None
            and f.related_model._meta.label in VOTE_MODELS
        )
    ]
    return bool(people and choices)


def test_no_model_holds_both_a_person_and_what_they_voted_for():
    offenders = [m._meta.label for m in apps.get_models() if ties_voter_to_choice(m)]
    assert offenders == []


@isolate_apps("meetings")
def test_the_guard_catches_a_table_that_would_link_a_voter_to_dots():
    user_model = apps.get_model(settings.AUTH_USER_MODEL)

    class Ballot(models.Model):  # noqa: DJ008
        user = models.ForeignKey(user_model, on_delete=models.CASCADE, related_name="+")
        theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "meetings"

    class Spend(models.Model):  # noqa: DJ008
        user = models.ForeignKey(user_model, on_delete=models.CASCADE, related_name="+")
        dots = models.IntegerField()

        class Meta:
            app_label = "meetings"

    assert ties_voter_to_choice(Ballot)
    assert ties_voter_to_choice(Spend)


def test_tallies_hold_no_person_and_no_time():
    fields = [f for f in ThemeTally._meta.get_fields() if f.concrete]
    assert {f.name for f in fields} == {"id", "meeting", "theme", "dots"}
    for field in fields:
        assert not isinstance(field, (models.DateTimeField, models.DateField)), field.name
        assert not _points_at_user(field), field.name


def test_receipts_hold_nothing_about_the_choice():
    names = {f.name for f in BallotReceipt._meta.get_fields() if f.concrete}
    assert names == {"id", "meeting", "user"}
