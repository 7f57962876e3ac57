"""Bad and hostile input: clear errors or inert text, never a 500, never live markup."""

import itertools
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from forum_app.markup import render_markdown
from issues.models import Comment, Issue
from tests.conftest import client_for
from tests.factories import IssueFactory
from tests.issues.conftest import form_data

pytestmark = pytest.mark.django_db

TEXT_FIELDS = ["title", "body", "impact", "proposed_solution", "team", "evidence"]

_TAGS = [
    "<script>alert(1)</script>",
    "<ScRiPt src=//evil.example/x.js></sCrIpT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<div onmouseover=alert(1)>hover</div>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<p style=\"background:url('javascript:alert(1)')\">x</p>",
    "<base href=javascript:alert(1)//>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<!--<img src=--><img src=x onerror=alert(1)//-->",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<table background=javascript:alert(1)>",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    "<xss onafterscriptexecute=alert(1)><script>1</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]
_MARKDOWN = [
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    "[x]: javascript:alert(1)\n\n[link][x]",
    "`<script>alert(1)</script>`",
    "> <img src=x onerror=alert(1)>",
]
XSS_PAYLOADS = _TAGS + _MARKDOWN

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background"}


class _LiveMarkup(HTMLParser):
    """Collects what a browser would run: script elements, event handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        self.in_body = self.in_body or tag == "body"
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.problems.append(f"<script> {attributes}")
        if self.in_body and tag in {
            "iframe",
            "object",
            "embed",
            "base",
            "meta",
            "style",
            "svg",
            "math",
        }:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            squeezed = re.sub(r"[\s\x00-\x1f]", "", (value or "")).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(
                ("javascript:", "vbscript:", "data:")
            ):
                self.problems.append(f"{tag} {name}={value}")


def live_markup(html: str) -> list[str]:
    parser = _LiveMarkup()
    parser.in_body = "<body" not in html  # a fragment is all body
    parser.feed(html)
    return parser.problems


def test_the_live_markup_check_catches_what_it_should():
    assert live_markup("<p onclick=alert(1)>x</p>")
    assert live_markup("<script>alert(1)</script>")
    assert live_markup("<body><iframe src=x></iframe>")
    assert live_markup("<p>x</p><svg></svg>")
    assert live_markup('<a href=" JavaScript:alert(1)">x</a>')
    assert not live_markup('<script src="/static/js/site.js"></script><p>&lt;script&gt;</p>')


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_rendering_leaves_nothing_live(payload):
    assert live_markup(str(render_markdown(payload))) == []


def test_markdown_keeps_paragraphs_lists_and_safe_links():
    html = str(render_markdown("Hello **there**\n\n- one\n- two\n\n[site](https://ok.example)"))
    assert "<strong>there</strong>" in html and "<li>one</li>" in html
    assert '<a href="https://ok.example" rel="nofollow noopener">site</a>' in html


def test_xss_payloads_in_every_field_are_inert_everywhere(forum, lists, member, convenor):
    """About 50 payloads spread over every text field, then every page that shows them."""
    client = client_for(member)
    payloads = itertools.cycle(XSS_PAYLOADS)
    for _round in range(len(XSS_PAYLOADS) // len(TEXT_FIELDS) + 1):
        values = {field: next(payloads) for field in TEXT_FIELDS}
        values["title"] = values["title"][:200]
        values["team"] = values["team"][:120]
        response = client.post(
            reverse("issues:raise", args=[forum.slug]), form_data(lists, **values)
        )
        assert response.status_code in (200, 302)
    issues = list(Issue.objects.all())
    assert len(issues) == len(XSS_PAYLOADS) // len(TEXT_FIELDS) + 1
    commenter = client_for(convenor)
    for issue, payload in zip(issues, XSS_PAYLOADS, strict=False):
        commenter.post(reverse("issues:comment", args=[forum.slug, issue.pk]), {"body": payload})
    assert Comment.objects.count() == len(issues)
    pages = [reverse("issues:list", args=[forum.slug]), reverse("forum_home", args=[forum.slug])]
    pages += [issue.get_absolute_url() for issue in issues]
    pages += [reverse("issues:edit", args=[forum.slug, issue.pk]) for issue in issues[:3]]
    for path in pages:
        response = commenter.get(path)
        assert response.status_code == 200, path
        assert live_markup(response.content.decode()) == [], path


def test_xss_in_a_search_is_inert(forum, member):
    response = client_for(member).get(
        reverse("issues:list", args=[forum.slug]), {"q": '"><script>alert(1)</script>'}
    )
    assert response.status_code == 200
    assert live_markup(response.content.decode()) == []


@pytest.mark.parametrize("field", ["title", "body", "impact", "proposed_solution"])
def test_empty_required_fields_each_get_a_clear_message(forum, lists, member, field):
    response = client_for(member).post(
        reverse("issues:raise", args=[forum.slug]), form_data(lists, **{field: "   "})
    )
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Issue.objects.exists()


def test_an_entirely_empty_form_lists_every_problem(forum, lists, member):
    response = client_for(member).post(reverse("issues:raise", args=[forum.slug]), {})
    page = response.content.decode()
    for message in [
        "Enter a title.",
        "Describe what happens.",
        "Say what the impact is.",
        "Suggest a solution, even a partial one.",
        "Choose a category.",
        "Choose a service area.",
        "Choose whether to raise this under your name or anonymously.",
    ]:
        assert message in page


def test_a_100000_character_body_is_refused_and_kept(forum, lists, member):
    body = "word " * 20_000
    response = client_for(member).post(
        reverse("issues:raise", args=[forum.slug]), form_data(lists, body=body)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Keep this to 10000 characters or fewer (it has 99999)." in page
    assert body.strip() in page
    assert not Issue.objects.exists()


@pytest.mark.parametrize("bad", ["999999", "abc", "-1", "1; DROP TABLE issues_issue"])
def test_unknown_category_is_a_field_error(forum, lists, member, bad):
    response = client_for(member).post(
        reverse("issues:raise", args=[forum.slug]), form_data(lists, category=bad)
    )
    assert response.status_code == 200
    assert "Choose one of this forum&#x27;s categories." in response.content.decode()


def test_another_forums_category_and_service_area_are_field_errors(
    forum, lists, other_lists, member
):
    response = client_for(member).post(
        reverse("issues:raise", args=[forum.slug]),
        form_data(lists, category=other_lists["category"].pk, service_area=other_lists["area"].pk),
    )
    page = response.content.decode()
    assert "Choose one of this forum&#x27;s categories." in page
    assert "Choose one of this forum&#x27;s service areas." in page
    assert not Issue.objects.exists()


def test_nul_characters_and_a_bad_figure_are_errors_not_crashes(forum, lists, member):
    response = client_for(member).post(
        reverse("issues:raise", args=[forum.slug]),
        form_data(lists, title="Bad\x00title", figure_1_label="caseload", figure_1_value="lots"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a number, like 31 or 2.5." in page
    assert not Issue.objects.exists()


@pytest.mark.parametrize("name", ["detail", "edit", "manage"])
def test_forged_issue_ids_are_not_found(forum, convenor, name):
    client = client_for(convenor)
    assert client.get(reverse(f"issues:{name}", args=[forum.slug, 987654])).status_code == 404
    assert client.get(f"/f/{forum.slug}/issues/abc/").status_code == 404


def test_forged_ids_in_posts_are_not_found(forum, other_forum, convenor):
    elsewhere = IssueFactory(forum=other_forum)
    client = client_for(convenor)
    for name in ("support", "comment", "set_status", "merge", "hide"):
        response = client.post(
            reverse(f"issues:{name}", args=[forum.slug, elsewhere.pk]),
            {"body": "x", "reason": "x", "status": "closed"},
        )
        assert response.status_code == 404, name
    elsewhere.refresh_from_db()
    assert not elsewhere.hidden and elsewhere.status == "new"


def test_stale_or_forged_version_is_a_conflict_not_a_crash(forum, lists, member):
    issue = IssueFactory(
        forum=forum, author=member, category=lists["category"], service_area=lists["area"]
    )
    client = client_for(member)
    path = reverse("issues:edit", args=[forum.slug, issue.pk])
    assert client.post(path, form_data(lists, version="999")).status_code == 409
    response = client.post(path, form_data(lists, version="not a number"))
    assert response.status_code == 200


def test_bad_status_and_merge_choices_are_field_errors(forum, convenor):
    issue = IssueFactory(forum=forum)
    client = client_for(convenor)
    response = client.post(
        reverse("issues:set_status", args=[forum.slug, issue.pk]), {"status": "gone"}
    )
    assert "Choose one of the statuses listed." in response.content.decode()
    response = client.post(reverse("issues:merge", args=[forum.slug, issue.pk]), {"into": issue.pk})
    assert "Choose another issue from this forum." in response.content.decode()


def test_an_overlong_receipt_is_a_field_error(forum, member):
    response = client_for(member).post(
        reverse("issues:follow", args=[forum.slug]), {"receipt": "A" * 500}
    )
    assert response.status_code == 200
    assert "Receipt code" in response.content.decode()
