"""Figures cited in a brief's evidence: in the preview, the PDF and the frozen version."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from escalations.models import BriefFigure, BriefStatus, BriefVersion
from escalations.services.briefs import (
    brief_figure_add,
    brief_figure_remove,
    brief_send,
    brief_set_status,
)
from tests.conftest import client_for
from tests.escalations.test_pdf import pdf_text
from tests.escalations.world import draft_brief, sent_brief

pytestmark = pytest.mark.django_db

FIGURE = "Average caseload 29 in Children and families (23 answers, October 2026)"
SOURCE = "Workload pulse, October 2026"


def cite(brief, convenor, text=FIGURE, source=SOURCE):
    return brief_figure_add(brief=brief, actor=convenor, text=text, source=source)


def test_a_cited_figure_is_in_the_preview_with_its_source(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    cite(brief, convenor)
    page = client_for(convenor).get(reverse("forum_briefs:preview", args=[forum.slug, brief.pk]))
    text = page.content.decode()
    evidence = text.split('id="evidence-heading"')[1].split("</section>")[0]
    assert FIGURE in evidence
    assert SOURCE in evidence


def test_a_cited_figure_is_in_the_draft_pdf(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    cite(brief, convenor)
    response = client_for(convenor).get(
        reverse("forum_briefs:draft_pdf", args=[forum.slug, brief.pk])
    )
    text = " ".join(pdf_text(response.content).split())
    assert FIGURE in text
    assert "Workload pulse, October 2026" in text


def test_sending_freezes_the_figures_into_the_snapshot_and_the_pdf(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    cite(brief, convenor)
    version = brief_send(brief=brief, actor=convenor)
    assert version.snapshot["figures"] == [{"text": FIGURE, "source": SOURCE}]
    assert FIGURE in " ".join(pdf_text(bytes(version.pdf)).split())


def test_a_figure_added_after_sending_changes_only_the_next_version(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    first = BriefVersion.objects.get(brief=brief, number=1)
    frozen = (first.html, bytes(first.pdf), first.snapshot, first.sha256)
    cite(brief, convenor, text="Average hours a week beyond contract 7 across the forum")
    first.refresh_from_db()
    assert (first.html, bytes(first.pdf), first.snapshot, first.sha256) == frozen
    assert first.snapshot["figures"] == []
    second = brief_send(brief=brief, actor=convenor, reason="A pulse figure added.")
    assert [f["text"] for f in second.snapshot["figures"]] == [
        "Average hours a week beyond contract 7 across the forum"
    ]


def test_figures_keep_the_order_they_were_added(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    for text in ("First figure", "Second figure", "Third figure"):
        cite(brief, convenor, text=text)
    assert list(brief.figures.values_list("text", flat=True)) == [
        "First figure",
        "Second figure",
        "Third figure",
    ]


@pytest.mark.parametrize(
    ("text", "source", "field"),
    [
        ("", SOURCE, "text"),
        ("   ", SOURCE, "text"),
        ("x" * 301, SOURCE, "text"),
        (FIGURE, "", "source"),
    ],
)
def test_bad_figures_are_refused_with_a_message_and_nothing_is_stored(
    forum, convenor, leader, text, source, field
):
    brief = draft_brief(forum, convenor, leader)
    with pytest.raises(ValidationError) as raised:
        cite(brief, convenor, text=text, source=source)
    assert field in raised.value.error_dict
    assert not BriefFigure.objects.exists()


def test_a_closed_brief_refuses_new_figures(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    brief_set_status(brief=brief, actor=convenor, status=BriefStatus.RESOLVED)
    with pytest.raises(ValidationError, match="closed"):
        cite(brief, convenor)
    assert not BriefFigure.objects.exists()


def test_a_convenor_removes_a_figure_on_the_edit_page(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    figure = cite(brief, convenor)
    client = client_for(convenor)
    edit = reverse("forum_briefs:edit", args=[forum.slug, brief.pk])
    assert FIGURE in client.get(edit).content.decode()
    url = reverse("forum_briefs:figure_remove", args=[forum.slug, brief.pk, figure.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == edit
    assert "Figure removed from the brief." in response.content.decode()
    assert not BriefFigure.objects.exists()


def test_removing_a_figure_after_sending_leaves_the_sent_version_alone(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    figure = cite(brief, convenor)
    version = brief_send(brief=brief, actor=convenor)
    brief_figure_remove(figure=figure, actor=convenor)
    version.refresh_from_db()
    assert version.snapshot["figures"] == [{"text": FIGURE, "source": SOURCE}]


@pytest.mark.parametrize("persona", ["member", "leader", "steward", "outsider"])
def test_only_convenors_can_remove_figures(request, forum, convenor, leader, persona):
    brief = draft_brief(forum, convenor, leader)
    figure = cite(brief, convenor)
    url = reverse("forum_briefs:figure_remove", args=[forum.slug, brief.pk, figure.pk])
    assert client_for(request.getfixturevalue(persona)).post(url).status_code == 404
    assert BriefFigure.objects.filter(pk=figure.pk).exists()


def test_a_figure_of_another_brief_cannot_be_removed_through_this_one(forum, convenor, leader):
    brief = draft_brief(forum, convenor, leader)
    other = draft_brief(forum, convenor, leader)
    figure = cite(other, convenor)
    url = reverse("forum_briefs:figure_remove", args=[forum.slug, brief.pk, figure.pk])
    assert client_for(convenor).post(url).status_code == 404
    assert BriefFigure.objects.filter(pk=figure.pk).exists()
