"""What the accessibility statement claims, each claim beside the tests that hold it.

The statement page is built from these lists: what the automated tests check (with the WCAG
2.2 criteria each check holds and the tests that do it), the kinds of PDF the forum makes and
the test that checks each is tagged, and the known gaps by criterion. The statement's test
(``tests/test_accessibility_statement.py``) fails when a claim here loses its test, when a
kind of PDF is made that is not listed, or when a page that does not reflow is not a gap.
Review the statement at least once a year and after any large change: update ``REVIEWED_ON``.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

STANDARD = "WCAG 2.2 AA"
PREPARED_ON = datetime.date(2026, 12, 3)
REVIEWED_ON = datetime.date(2026, 12, 3)
REPLY_WORKING_DAYS = 5


@dataclass(frozen=True)
class Check:
    """Something the tests check on every change to the software."""

    text: str
    criteria: tuple[str, ...]  # WCAG 2.2 success criteria, by number
    tests: tuple[str, ...]  # "path::test_name"


@dataclass(frozen=True)
class PdfKind:
    name: str
    test: str


@dataclass(frozen=True)
class Gap:
    """Something that does not yet meet a success criterion, and what is being done."""

    criterion: str  # number and name, e.g. "1.4.10 Reflow"
    problem: str
    plan: str
    pages: tuple[str, ...] = ()  # URL names of the pages it is about, where it is pages


CHECKS = (
    Check(
        _(
            "every page of the site as each kind of person sees it (a member, a convenor, a "
            "union steward, a senior leader, a member of another forum and someone signed "
            "out), at phone and laptop width, against every WCAG 2.2 A and AA rule of "
            "axe-core, and again each time part of a page changes without reloading; what "
            "axe-core cannot decide alone has been looked at by a person, and anything new "
            "of that kind stops the software changing until someone has"
        ),
        ("1.1.1", "1.3.1", "1.4.3", "2.4.4", "3.1.1", "4.1.2"),
        ("tests/e2e/test_axe_sweep.py::test_every_page_passes_axe",),
    ),
    Check(
        _(
            "the same pages with a second checker, the Nu HTML checker, for mistakes in the "
            "markup that assistive technology relies on, such as an id used twice (a label "
            "then names the wrong field) or a date a machine cannot read"
        ),
        ("1.3.1", "4.1.2"),
        ("tests/e2e/test_html_validity.py::test_every_page_is_valid_html",),
    ),
    Check(
        _(
            "every page at 320 pixels wide, as a 1280 pixel screen zoomed to 400% shows it, "
            "with and without wider spacing of lines, words and letters: nothing scrolls "
            "sideways and nothing is cut off (tables may scroll inside their own box), apart "
            "from the pages listed above as not yet accessible"
        ),
        ("1.4.4", "1.4.10", "1.4.12"),
        (
            "tests/e2e/test_reflow.py::"
            "test_every_page_reflows_at_320_px_with_and_without_text_spacing",
        ),
    ),
    Check(
        _(
            "raising an issue and running a whole meeting (arranging it, grouping issues into "
            "themes, voting, deciding and publishing the minutes) with the keyboard only, "
            "with focus visible and staying with the control you used or moving to the new "
            "content"
        ),
        ("2.1.1", "2.4.3", "2.4.7"),
        (
            "tests/e2e/test_keyboard_only.py::test_raise_an_issue_and_support_one_by_keyboard",
            "tests/e2e/test_keyboard_only.py::test_a_whole_meeting_by_keyboard",
        ),
    ),
    Check(
        _(
            "status messages (a message with a new page, a vote counted, a new stage of the "
            "meeting, how many similar issues were found) reach screen readers through a live "
            "region without moving focus; on the live meeting page the number of people here "
            "is read out when voting opens or closes, or when you ask, never at every update"
        ),
        ("4.1.3",),
        (
            "tests/e2e/test_announcements.py::"
            "test_a_message_shown_with_the_page_is_added_to_the_live_region_after_loading",
            "tests/e2e/test_live_focus.py::"
            "test_counts_are_read_out_when_voting_closes_and_when_asked",
        ),
    ),
    Check(
        _(
            "on the live meeting page, focus stays on what you were on through every update "
            "(tested over ten updates), and moves to the new content only when the stage changes"
        ),
        ("2.4.3", "3.2.1"),
        (
            "tests/e2e/test_live_focus.py::"
            "test_the_focused_vote_link_keeps_focus_through_ten_updates",
            "tests/e2e/test_live_focus.py::"
            "test_the_focused_results_table_keeps_focus_while_counts_change",
        ),
    ),
    Check(
        _(
            "the warning before you are signed out for being away: it gives you time to stay "
            "signed in, keeps focus inside itself while it shows (nothing behind it can be "
            "reached), closes with Escape, and at 400% zoom with wider text spacing its heading "
            "and the control you are on stay on screen"
        ),
        ("2.2.1", "2.1.2", "2.4.11", "1.4.10"),
        (
            "tests/e2e/test_session_warning.py::"
            "test_the_warning_appears_and_stay_signed_in_extends_the_session",
            "tests/e2e/test_session_warning.py::"
            "test_focus_stays_in_the_warning_and_escape_counts_as_staying",
            "tests/e2e/test_session_warning.py::"
            "test_at_400_percent_zoom_with_text_spacing_the_warning_stays_on_screen",
        ),
    ),
    Check(
        _(
            "form errors are summarised at the top and shown next to their field, and what "
            "you typed is kept; every field is named by its own label, and fields the browser "
            "can fill in say what they are for (your name, your email address)"
        ),
        ("1.3.1", "1.3.5", "3.3.1", "3.3.3"),
        (
            "tests/e2e/test_accessibility_public.py::test_sign_in_errors_sit_by_their_fields",
            "tests/e2e/test_accessibility_public.py::test_sign_up_refusal_keeps_what_was_typed",
            "tests/test_audit_findings.py::"
            "test_the_manage_page_names_each_reason_box_by_its_own_label",
            "tests/test_audit_findings.py::"
            "test_the_email_change_field_says_it_wants_an_email_address",
        ),
    ),
)

# Every kind of PDF the forum makes; each is a tagged PDF/UA-1 document with a title, its
# language, headings, table headers that say which cells they describe, and charts with a
# text alternative and their data as a table.
PDF_KINDS = (
    PdfKind(
        _("escalation briefs"),
        "tests/test_pdf_accessibility.py::"
        "test_the_escalation_brief_pdf_is_tagged_for_screen_readers",
    ),
    PdfKind(
        _("meeting minutes"),
        "tests/test_pdf_accessibility.py::test_the_minutes_pdf_is_tagged_for_screen_readers",
    ),
    PdfKind(
        _("summary reports for union stewards"),
        "tests/test_pdf_accessibility.py::test_the_summary_report_pdf_is_tagged_for_screen_readers",
    ),
)

KNOWN_GAPS: tuple[Gap, ...] = ()
