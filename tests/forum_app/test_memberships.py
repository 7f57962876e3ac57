"""Joining a forum: requests a convenor approves or declines, and single-use invitations."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum_app.models import Invitation, Membership, Notification, User, hash_token
from forum_app.services import invitation_create, membership_request
from tests.conftest import client_for
from tests.factories import UserFactory

NEW_PASSWORD = "kettle-orbit-lantern-93"


@pytest.fixture(autouse=True)
def _only_the_council_may_sign_up(settings):
    settings.ALLOWED_SIGNUP_DOMAINS = ["council.example"]
    mail.outbox.clear()


@pytest.fixture
def applicant(forum):
    user = UserFactory(display_name="Priya Shah")
    return membership_request(forum=forum, user=user)


def members_url(forum, name: str = "forum_members", *args) -> str:
    return reverse(name, args=[forum.slug, *args])


def invite(convenor, forum, email: str, role: str = "member"):
    return invitation_create(forum=forum, actor=convenor, email=email, role=role)


# Approving and declining requests


def test_a_convenor_approves_a_request_and_the_person_is_told(convenor, forum, applicant):
    client = client_for(convenor)
    response = client.post(members_url(forum, "membership_approve", applicant.pk), follow=True)

    assert "Priya Shah is now a member." in response.text
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.ACTIVE
    assert applicant.decided_at is not None
    told = Notification.objects.get(kind="membership_approved")
    assert told.email == applicant.user.email


def test_a_convenor_declines_a_request_without_emailing(convenor, forum, applicant):
    response = client_for(convenor).post(
        members_url(forum, "membership_decline", applicant.pk), follow=True
    )

    assert "Request declined." in response.text
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.DECLINED
    assert not Notification.objects.filter(kind="membership_approved").exists()


def test_a_request_answered_twice_keeps_the_first_answer(convenor, forum, applicant):
    client = client_for(convenor)
    client.post(members_url(forum, "membership_decline", applicant.pk))
    response = client.post(members_url(forum, "membership_approve", applicant.pk), follow=True)

    assert "This request has already been answered." in response.text
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.DECLINED


def test_a_member_cannot_approve_requests(member, forum, applicant):
    response = client_for(member).post(members_url(forum, "membership_approve", applicant.pk))
    assert response.status_code == 404
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.PENDING


def test_a_convenor_cannot_answer_requests_to_another_forum(convenor, forum, other_forum):
    elsewhere = membership_request(forum=other_forum, user=UserFactory())
    response = client_for(convenor).post(
        members_url(forum, "membership_approve", elsewhere.pk), follow=True
    )
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Membership.Status.PENDING


def test_the_members_page_lists_requests_members_and_open_invitations(convenor, forum, applicant):
    invite(convenor, forum, "newcomer@council.example")
    page = client_for(convenor).get(members_url(forum)).text
    assert "Approve Priya Shah" in page
    assert convenor.email in page
    assert "newcomer@council.example" in page


# Invitations


def test_a_convenor_invites_by_email_and_only_a_hash_of_the_link_is_kept(convenor, forum):
    response = client_for(convenor).post(
        members_url(forum), {"email": "Lead@NHS.example", "role": "leader"}, follow=True
    )

    assert "Invitation sent to Lead@NHS.example." in response.text
    invitation = Invitation.objects.get(forum=forum)
    assert (invitation.email, invitation.role) == ("lead@nhs.example", "leader")
    sent = Notification.objects.get(kind="invitation")
    token = sent.context["link"].rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == hash_token(token) != token
    assert invitation.expires_at - timezone.now() > timedelta(days=13)


def test_an_invitation_with_a_bad_address_says_so_and_keeps_it(convenor, forum):
    response = client_for(convenor).post(members_url(forum), {"email": "lead@", "role": "leader"})
    assert response.status_code == 200
    assert 'value="lead@"' in response.text
    assert "Enter a valid email address." in response.text
    assert not Invitation.objects.exists()


def sign_up_through(client: Client, token: str | None, email: str, name: str = "Sam Director"):
    """Sign up as a person would: from the invitation page's button when ``token`` is given."""
    data = {"display_name": name, "email": email, "password1": NEW_PASSWORD}
    data["password2"] = NEW_PASSWORD
    if token is None:
        return client.post(reverse("account_signup"), data)
    page = client.get(reverse("invitation", args=[token])).text
    button = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', page)
    assert button, "the invitation page offers no sign-up button"
    target = unquote(button.group(1).split("next=", 1)[1])
    form = client.get(button.group(1)).text
    assert f'name="next" value="{target}"' in form
    return client.post(reverse("account_signup"), {**data, "next": target})


def test_someone_invited_from_outside_the_allowed_domains_can_sign_up_and_join(convenor, forum):
    issued = invite(convenor, forum, "director@nhs.example", role="leader")
    client = Client()

    response = sign_up_through(client, issued.token, "director@nhs.example")
    assert response.status_code == 302
    user = User.objects.get(email="director@nhs.example")
    EmailAddress.objects.filter(user=user).update(verified=True)
    client.force_login(user)

    response = client.post(reverse("invitation", args=[issued.token]), follow=True)

    assert "Welcome to" in response.text
    membership = Membership.objects.get(forum=forum, user=user)
    assert (membership.role, membership.status) == ("leader", Membership.Status.ACTIVE)


def test_an_outside_address_without_an_invitation_cannot_sign_up(db):
    response = Client().post(
        reverse("account_signup"),
        {
            "display_name": "Sam",
            "email": "director@nhs.example",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="director@nhs.example").exists()


def use(token: str, user) -> object:
    return client_for(user).post(reverse("invitation", args=[token]))


def test_an_invitation_works_once(convenor, forum):
    issued = invite(convenor, forum, "new@council.example")
    first = UserFactory(email="new@council.example")
    use(issued.token, first)

    response = use(issued.token, first)

    assert response.status_code == 410
    assert "This invitation has already been used. Each link works once." in response.text
    assert Membership.objects.filter(forum=forum, user=first).count() == 1


def test_an_expired_invitation_is_refused(convenor, forum):
    issued = invite(convenor, forum, "new@council.example")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    person = UserFactory(email="new@council.example")

    response = use(issued.token, person)

    assert response.status_code == 410
    assert "This invitation has expired. Ask the convenor to send a new one." in response.text
    assert not Membership.objects.filter(user=person).exists()


def test_a_withdrawn_invitation_is_refused(convenor, forum):
    issued = invite(convenor, forum, "new@council.example")
    client_for(convenor).post(members_url(forum, "invitation_revoke", issued.invitation.pk))
    person = UserFactory(email="new@council.example")

    response = use(issued.token, person)

    assert response.status_code == 410
    assert "This invitation was withdrawn." in response.text
    assert not Membership.objects.filter(user=person).exists()


def test_an_invitation_binds_to_the_account_that_uses_its_link(convenor, forum):
    issued = invite(convenor, forum, "new@council.example")
    holder = UserFactory(email="personal.address@council.example")
    squatter = UserFactory(email="new@council.example")

    use(issued.token, holder)

    assert Membership.objects.get(forum=forum, user=holder).status == Membership.Status.ACTIVE
    assert use(issued.token, squatter).status_code == 410
    assert not Membership.objects.filter(user=squatter).exists()


def test_a_mistyped_invitation_link_is_not_found(db):
    response = Client().get(reverse("invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "Check you copied the whole link." in response.text


def test_an_expired_invitation_no_longer_opens_sign_up_to_an_outside_address(convenor, forum):
    invite(convenor, forum, "director@nhs.example", role="leader")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(
        reverse("account_signup"),
        {
            "display_name": "Sam",
            "email": "director@nhs.example",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="director@nhs.example").exists()


# Sign-up says nothing about who is invited, and an invitation cannot be taken in advance


def same_page(html: str, address: str) -> str:
    """The page with the typed address and the per-request CSRF tokens taken out."""
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html.replace(address, "ADDRESS"))


@pytest.mark.parametrize("address", ["director@nhs.example", "lead@council.example"])
def test_sign_up_answers_the_same_whether_or_not_an_address_is_invited(convenor, forum, address):
    domain = address.split("@")[1]
    invite(convenor, forum, address, role="leader")
    invited = sign_up_through(Client(), None, address)
    stranger = sign_up_through(Client(), None, f"someone.else@{domain}")

    assert invited.status_code == stranger.status_code
    assert invited.get("Location") == stranger.get("Location")
    if invited.status_code == 200:
        other = f"someone.else@{domain}"
        assert same_page(invited.text, address) == same_page(stranger.text, other)
    assert (
        User.objects.filter(email=address).exists()
        == User.objects.filter(email=f"someone.else@{domain}").exists()
    )


def test_pre_registering_an_invited_address_does_not_steal_the_invitation(convenor, forum):
    issued = invite(convenor, forum, "director@nhs.example", role="leader")

    squat = sign_up_through(Client(), None, "director@nhs.example", name="Not Sam")

    assert squat.status_code == 200
    assert not User.objects.filter(email="director@nhs.example").exists()
    invitee = Client()
    assert sign_up_through(invitee, issued.token, "director@nhs.example").status_code == 302
    user = User.objects.get(email="director@nhs.example")
    assert user.display_name == "Sam Director" and user.check_password(NEW_PASSWORD)
    EmailAddress.objects.filter(user=user).update(verified=True)
    invitee.force_login(user)
    assert (
        "Welcome to" in invitee.post(reverse("invitation", args=[issued.token]), follow=True).text
    )
    assert Membership.objects.get(forum=forum, user=user).role == "leader"


def test_a_forged_or_used_invitation_link_does_not_open_sign_up(convenor, forum):
    issued = invite(convenor, forum, "director@nhs.example", role="leader")
    data = {
        "display_name": "Sam",
        "email": "director@nhs.example",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    forged = Client().post(
        reverse("account_signup"), {**data, "next": "/invitations/not-a-real-token/"}
    )
    assert forged.status_code == 200
    Invitation.objects.update(accepted_at=timezone.now())
    used = Client().post(
        reverse("account_signup"), {**data, "next": reverse("invitation", args=[issued.token])}
    )
    assert used.status_code == 200
    assert not User.objects.filter(email="director@nhs.example").exists()
