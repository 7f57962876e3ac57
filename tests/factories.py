"""factory_boy factories for the whole project. Each app adds its own below."""

import datetime
from dataclasses import dataclass

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from forum_app.models import Forum, Membership, Role, User
from issues import receipts
from issues import services as issue_services
from issues.models import Comment, Issue

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 — test data


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@council.example")
    display_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def with_totp(user: User) -> str:
    """Switch on two-factor authentication for ``user``; returns the TOTP secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


class ForumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forum

    name = factory.Sequence(lambda n: f"Practitioner Forum {n}")
    slug = factory.Sequence(lambda n: f"forum-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    forum = factory.SubFactory(ForumFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    status = Membership.Status.ACTIVE


# Issues ------------------------------------------------------------------------------------


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issues.Category"
        django_get_or_create = ("forum", "name")

    forum = factory.SubFactory(ForumFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class ServiceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issues.ServiceArea"
        django_get_or_create = ("forum", "name")

    forum = factory.SubFactory(ForumFactory)
    name = factory.Sequence(lambda n: f"Service area {n}")


class IssueFactory(factory.django.DjangoModelFactory):
    """A named issue raised today; pass ``is_anonymous=True, author=None`` for an anonymous one."""

    class Meta:
        model = "issues.Issue"

    forum = factory.SubFactory(ForumFactory)
    title = factory.Sequence(lambda n: f"Issue number {n}")
    body = "Visits are slipping because there is no time to write up."
    impact = "Children wait longer; staff work late."
    proposed_solution = "Cap caseloads at 22."
    category = factory.SubFactory(CategoryFactory, forum=factory.SelfAttribute("..forum"))
    service_area = factory.SubFactory(ServiceAreaFactory, forum=factory.SelfAttribute("..forum"))
    raised_on = factory.LazyFunction(datetime.date.today)
    author = factory.SubFactory(UserFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "issues.Comment"

    issue = factory.SubFactory(IssueFactory)
    author = factory.SubFactory(UserFactory)
    body = "Same in our team."
    posted_on = factory.LazyFunction(datetime.date.today)


# Meetings ----------------------------------------------------------------------------------


class MeetingFactory(factory.django.DjangoModelFactory):
    """A meeting a week from now, one hour long, still to start."""

    class Meta:
        model = "meetings.Meeting"

    forum = factory.SubFactory(ForumFactory)
    title = factory.Sequence(lambda n: f"Forum meeting {n}")
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=8)).replace(microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + datetime.timedelta(hours=1))
    place = "Room 2, Civic Centre"


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Theme"

    forum = factory.SubFactory(ForumFactory)
    name = factory.Sequence(lambda n: f"Theme {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Names are unique in a forum whatever their case, so a second "Caseloads" is numbered."""
        name, number = kwargs["name"], 1
        while model_class.objects.filter(
            forum=kwargs["forum"], name__iexact=kwargs["name"]
        ).exists():
            number += 1
            kwargs["name"] = f"{name} ({number})"
        return super()._create(model_class, *args, **kwargs)


# Escalations -------------------------------------------------------------------------------


class DecisionFactory(factory.django.DjangoModelFactory):
    """A meeting's decision to escalate a theme to a leader (pass ``leader=``)."""

    class Meta:
        model = "meetings.Decision"

    meeting = factory.SubFactory(MeetingFactory)
    theme = factory.SubFactory(ThemeFactory, forum=factory.SelfAttribute("..meeting.forum"))
    outcome = "escalate"
    problem_statement = "Caseloads are over 30 per worker in three teams."
    proposed_solution = "Cap caseloads at 22 and fund two agency posts."
    ask = "Agree a caseload cap of 22 from April."
    response_by = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=28))


@dataclass(frozen=True)
class Raised:
    """An issue raised through the services, and the receipt code of an anonymous one."""

    issue: Issue
    receipt: str | None


def raise_issue(*, forum: Forum, actor: User, data, anonymous: bool) -> Raised:
    """Raise an issue as a person would; an anonymous one is published straight away.

    In the app an anonymous issue waits outside the database for a random moment
    (``issues.waiting_room``); tests that are not about that wait publish it at once.
    """
    if not anonymous:
        return Raised(issue_services.issue_raise(forum=forum, actor=actor, data=data), None)
    receipt = issue_services.issue_raise_anonymous(
        forum=forum, data=data, submission=receipts.new_submission()
    )
    issue_services.anonymous_publish_due(everything=True)
    return Raised(Issue.objects.get(receipt_hash=receipts.receipt_hash(receipt)), receipt)


def post_raiser_update(*, forum: Forum, receipt: str, body: str) -> Comment:
    """Post an update with a receipt code and publish it straight away."""
    issue_services.issue_raiser_update(
        forum=forum, receipt=receipt, body=body, submission=receipts.new_submission()
    )
    issue_services.anonymous_publish_due(everything=True)
    return Comment.objects.filter(from_raiser=True).latest("pk")
