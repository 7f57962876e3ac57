"""Site admins set the escalation ladder; the admin shows no briefs or answers."""

import pytest
from django.contrib import admin

from escalations.models import Brief, Commitment, EscalationSettings, LadderRung, Response

pytestmark = pytest.mark.django_db


def test_ladder_and_its_setting_are_configurable_in_the_admin():
    assert admin.site.is_registered(EscalationSettings)
    assert admin.site.is_registered(LadderRung)


@pytest.mark.parametrize("model", [Brief, Response, Commitment])
def test_forum_content_is_not_in_the_admin(model):
    assert not admin.site.is_registered(model)
