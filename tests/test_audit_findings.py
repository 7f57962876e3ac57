"""The smaller accessibility audit findings, each held by the page's own markup.

Each test reads the page as the server sends it (what a screen reader and the Nu HTML checker
get): ids unique and every field named by its own label, the email field's purpose given,
machine-readable times valid, and landmarks on the dashboard with names of their own.
"""

import re
from html.parser import HTMLParser

from django.urls import reverse

from tests.conftest import client_for
from tests.escalations.world import sent_brief
from tests.factories import IssueFactory


class Markup(HTMLParser):
    """Every element's attributes, and the text of each label by its ``for``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag == "label":
            self._label_for = attributes.get("for")
            if self._label_for:
                self.labels[self._label_for] = ""

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_for = None

    def handle_data(self, data):
        if self._label_for:
            self.labels[self._label_for] += data

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.elements if "id" in a]

    def by_id(self, element_id: str) -> tuple[str, dict]:
        return next((t, a) for t, a in self.elements if a.get("id") == element_id)


def test_the_manage_page_names_each_reason_box_by_its_own_label(forum, convenor):
    issue = IssueFactory(forum=forum)
    page = client_for(convenor).get(reverse("issues:manage", args=[forum.slug, issue.pk]))
    markup = Markup(page.content.decode())

    ids = markup.ids()
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    reasons = [a["id"] for t, a in markup.elements if t == "textarea" and a["name"] == "reason"]
    assert len(reasons) == 2
    labels = sorted(markup.labels[box].strip().rstrip(":") for box in reasons)
    assert labels == ["Reason (needed when closing)", "Reason (shown to everyone)"]


def test_a_hide_without_a_reason_links_the_error_to_the_hide_box(forum, convenor):
    issue = IssueFactory(forum=forum)
    page = client_for(convenor).post(
        reverse("issues:hide", args=[forum.slug, issue.pk]), {"reason": ""}
    )
    markup = Markup(page.content.decode())

    (link,) = [
        a["href"] for t, a in markup.elements if t == "a" and a.get("href") == "#id_hide_reason"
    ]
    tag, box = markup.by_id(link.removeprefix("#"))
    assert tag == "textarea"
    assert markup.labels[box["id"]].strip().rstrip(":") == "Reason (shown to everyone)"


def test_the_email_change_field_says_it_wants_an_email_address(member):
    page = client_for(member).get(reverse("account_email"))
    markup = Markup(page.content.decode())

    field = next(a for t, a in markup.elements if t == "input" and a.get("name") == "email")
    assert field.get("autocomplete") == "email"
    assert field.get("type") == "email"


VALID_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:?\d\d)$")


def test_brief_progress_times_are_valid_without_microseconds(forum, convenor, leader):
    brief = sent_brief(forum, convenor, leader)
    pages = [
        (convenor, reverse("forum_briefs:detail", args=[forum.slug, brief.pk])),
        (leader, reverse("escalations:brief", args=[brief.pk])),
    ]
    for user, url in pages:
        page = client_for(user).get(url)
        times = [a["datetime"] for t, a in Markup(page.content.decode()).elements if t == "time"]
        assert times, f"{url} shows no progress times"
        invalid = [value for value in times if not VALID_DATETIME.match(value)]
        assert not invalid, invalid


def landmark_names(html: str) -> list[str]:
    """The accessible names of the page's named regions (sections and role=region)."""
    markup = Markup(html)
    text_by_id = {}
    parser_text = re.findall(r'<h\d[^>]*id="([^"]+)"[^>]*>(.*?)</h\d>', html, flags=re.S)
    for element_id, inner in parser_text:
        text_by_id[element_id] = re.sub(r"<[^>]+>", "", inner).strip()
    names = []
    for tag, attributes in markup.elements:
        if tag == "section" or attributes.get("role") == "region":
            if "aria-label" in attributes:
                names.append(attributes["aria-label"])
            elif "aria-labelledby" in attributes:
                names.append(text_by_id.get(attributes["aria-labelledby"], "?"))
    return names


def test_landmarks_on_the_dashboard_have_names_of_their_own(forum, member):
    for _ in range(6):
        IssueFactory(forum=forum)
    page = client_for(member).get(reverse("summaries:dashboard", args=[forum.slug]))
    names = landmark_names(page.content.decode())

    assert len(names) >= 5
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
