"""An over-long text is refused with the text kept and the error by the field, never cut off:
the page gives the limit to a counter instead of a maxlength that drops what is pasted."""

import pytest
from django.urls import reverse

from issues.forms import COMMENT_LIMIT, CommentForm
from issues.models import Comment
from tests.conftest import client_for
from tests.factories import IssueFactory

pytestmark = pytest.mark.django_db


def test_a_comment_over_the_limit_is_refused_with_every_character_kept(forum, member):
    issue = IssueFactory(forum=forum)
    text = ("word " * 2_400).strip()  # 11,999 characters
    response = client_for(member).post(
        reverse("issues:comment", args=[forum.slug, issue.pk]), {"body": text}
    )
    page = response.content.decode()
    assert not Comment.objects.filter(issue=issue).exists()
    assert "Keep this to 5000 characters or fewer (it has 11999)." in page
    assert text in page
    assert 'aria-invalid="true"' in page


def test_long_text_fields_carry_a_limit_for_the_counter_and_no_maxlength():
    html = str(CommentForm()["body"])
    assert f'data-limit="{COMMENT_LIMIT}"' in html
    assert "maxlength" not in html


def test_a_line_break_counts_as_one_character_as_the_counter_shows():
    text = "a\r\n" * 2_000 + "b" * 999  # 4,999 as seen; 6,999 sent by a browser
    form = CommentForm({"body": text})
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["body"]) == 4_999
