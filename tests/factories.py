"""factory_boy factories for the whole project. Each app adds its own below."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from forum_app.models import Forum, Membership, Role, User

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
