"""The decide page: each theme saves on its own, and nothing typed for the others is lost."""

import pytest
from django.urls import reverse

from meetings.models import Decision, Phase
from tests.conftest import client_for
from tests.meetings.conftest import advance_to, grouped_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def deciding(forum, convenor):
    meeting, themes = grouped_meeting(forum, convenor, names=("Caseloads", "IT systems"))
    return advance_to(meeting, convenor, Phase.DECIDE), themes


def _url(meeting, theme):
    return reverse("meetings:decision_record", args=[meeting.forum.slug, meeting.pk, theme.pk])


def _whole_page(first, second, **overrides):
    """Everything the decide page sends without JavaScript: both themes' fields."""
    data = {
        f"t{first.pk}-outcome": "resolve_locally",
        f"t{first.pk}-owner": "Tom asks IT for spare laptops",
        f"t{second.pk}-problem_statement": "Laptops take ten minutes to start.",
        f"t{second.pk}-owner": "Typed but not saved yet",
    }
    return data | overrides


def test_without_javascript_saving_one_theme_keeps_what_was_typed_for_the_others(
    deciding, convenor
):
    meeting, (first, second) = deciding
    response = client_for(convenor).post(_url(meeting, first), _whole_page(first, second))
    html = response.content.decode()
    assert response.status_code == 200
    assert Decision.objects.get(meeting=meeting, theme=first).owner == (
        "Tom asks IT for spare laptops"
    )
    assert not Decision.objects.filter(meeting=meeting, theme=second).exists()
    assert "Laptops take ten minutes to start." in html
    assert "Typed but not saved yet" in html
    assert "Decision on “Caseloads” recorded." in html


def test_an_error_shows_beside_the_field_and_keeps_everything_typed(deciding, convenor):
    meeting, (first, second) = deciding
    data = _whole_page(first, second, **{f"t{first.pk}-outcome": ""})
    response = client_for(convenor).post(_url(meeting, first), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert not Decision.objects.exists()
    outcome_at = html.index(f'id="id_t{first.pk}-outcome_error"')
    assert (
        html.index(f"theme-{first.pk}-heading")
        < outcome_at
        < html.index(f"theme-{second.pk}-heading")
    )
    assert "Tom asks IT for spare laptops" in html
    assert "Typed but not saved yet" in html


def test_with_htmx_only_the_saved_theme_comes_back(deciding, convenor):
    meeting, (first, second) = deciding
    response = client_for(convenor).post(
        _url(meeting, first), _whole_page(first, second), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f"theme-{first.pk}-heading" in html and f"theme-{second.pk}-heading" not in html
    assert "Recorded: Resolve locally" in html
    assert "announce" in response["HX-Trigger"] and "Caseloads" in response["HX-Trigger"]


def test_saving_only_one_themes_fields_still_redirects(deciding, convenor):
    meeting, (first, _second) = deciding
    data = {f"t{first.pk}-outcome": "park"}
    response = client_for(convenor).post(_url(meeting, first), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#theme-{first.pk}")
