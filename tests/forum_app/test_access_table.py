"""The one table of who may do what (forum_app.permissions.ABILITIES), read directly."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from forum_app.models import Membership, Role
from forum_app.permissions import ABILITIES, Abilities, can, require

# Who may do what, written out by hand so that a change to the table is a decision.
EXPECTED = {
    "take_part": {Role.MEMBER, Role.CONVENOR},
    "moderate_issues": {Role.CONVENOR},
    "run_meetings": {Role.CONVENOR},
    "write_briefs": {Role.CONVENOR},
    "manage_members": {Role.CONVENOR},
    "resend_emails": {Role.CONVENOR},
    "answer_briefs": {Role.LEADER},
    "export_summaries": {Role.STEWARD},
}


def _membership(role: str, status: str = Membership.Status.ACTIVE) -> Membership:
    return Membership(role=role, status=status)


def test_the_table_grants_each_ability_to_the_expected_roles():
    assert {ability: set(roles) for ability, roles in ABILITIES.items()} == EXPECTED


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("ability", sorted(EXPECTED))
def test_can_answers_from_the_table(role, ability):
    assert can(_membership(role), ability) is (role in EXPECTED[ability])


def test_only_convenors_run_meetings():
    assert can(_membership(Role.CONVENOR), "run_meetings")
    for role in (Role.MEMBER, Role.STEWARD, Role.LEADER):
        assert not can(_membership(role), "run_meetings")


@pytest.mark.parametrize("status", [Membership.Status.PENDING, "removed"])
def test_a_membership_that_is_not_active_can_do_nothing(status):
    membership = _membership(Role.CONVENOR, status)
    assert not any(can(membership, ability) for ability in ABILITIES)


def test_no_membership_can_do_nothing():
    assert not any(can(None, ability) for ability in ABILITIES)


def test_a_misspelt_ability_fails_loudly():
    with pytest.raises(ValueError):
        can(_membership(Role.CONVENOR), "run_meeting")


def test_templates_read_the_table_through_can():
    page = Template(
        "{% load access %}{% if can.run_meetings %}run{% endif %}"
        '{% if membership|can:"take_part" %} take part{% endif %}'
        "{% if can.no_such_ability %} never{% endif %}"
    )
    convenor = _membership(Role.CONVENOR)
    leader = _membership(Role.LEADER)
    assert page.render(Context({"can": Abilities(convenor), "membership": convenor})) == (
        "run take part"
    )
    assert page.render(Context({"can": Abilities(leader), "membership": leader})) == ""


@pytest.mark.django_db
def test_services_refuse_someone_without_the_ability(forum, member, convenor):
    with pytest.raises(ValidationError, match="Only a convenor"):
        require(forum, member, "run_meetings")
    require(forum, convenor, "run_meetings")
