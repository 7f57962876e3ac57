"""The accessibility statement says only what the tests hold, in the shape the regulations ask.

Its claims live in ``forum_app/accessibility.py``. Each check names the tests that do it: they
must exist. Every kind of PDF the forum makes must be listed, with the test that checks it is
tagged. Reflow is claimed for every page: the reflow test must walk every page of the axe
sweep for every persona, and each page it sets aside must be a known gap against 1.4.10. The
page follows the model statement for public sector websites and names a real contact.
"""

import ast
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from forum_app import accessibility as statement
from tests.access_policy import PERSONAS
from tests.e2e import test_axe_sweep, test_reflow

ROOT = Path(__file__).resolve().parents[1]
APPS = ("forum_app", "issues", "meetings", "escalations", "summaries")


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def assert_test_exists(reference: str) -> None:
    path, name = reference.split("::")
    assert (ROOT / path).is_file(), f"{reference}: no such test file"
    assert name in functions_in(ROOT / path), f"{reference}: no such test"


def test_every_check_the_statement_lists_names_tests_that_exist():
    for check in statement.CHECKS:
        assert check.tests, check.text
        assert check.criteria, check.text
        for criterion in check.criteria:
            assert re.fullmatch(r"[1-4]\.\d{1,2}\.\d{1,2}", criterion), criterion
        for reference in check.tests:
            assert_test_exists(reference)


def test_every_kind_of_pdf_the_forum_makes_is_listed_and_checked_for_tags():
    """The statement says every PDF is tagged: a new kind of PDF must be listed and tested."""
    makers = {
        path.relative_to(ROOT).as_posix()
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path.as_posix() != (ROOT / "forum_app/pdf.py").as_posix()
        and re.search(r"\b(write_pdf|tagged_pdf)\(", path.read_text(encoding="utf-8"))
    }
    assert len(makers) == len(statement.PDF_KINDS), (makers, statement.PDF_KINDS)
    for kind in statement.PDF_KINDS:
        assert_test_exists(kind.test)
        assert kind.test.startswith("tests/test_pdf_accessibility.py::")


def test_reflow_is_tested_on_every_page_and_each_page_set_aside_is_a_known_gap():
    assert test_reflow.pages_for is test_axe_sweep.pages_for
    reflow_test = test_reflow.test_every_page_reflows_at_320_px_with_and_without_text_spacing
    [personas] = [m.args[1] for m in reflow_test.pytestmark if m.name == "parametrize"]
    assert list(personas) == PERSONAS
    reflow_gaps = {
        page
        for gap in statement.KNOWN_GAPS
        if gap.criterion.startswith("1.4.10 ")
        for page in gap.pages
    }
    assert reflow_gaps == set(test_reflow.DOES_NOT_REFLOW_YET)
    assert any(
        check.tests[0].startswith("tests/e2e/test_reflow.py::") and "1.4.10" in check.criteria
        for check in statement.CHECKS
    )


def test_every_known_gap_names_a_success_criterion():
    for gap in statement.KNOWN_GAPS:
        assert re.fullmatch(r"[1-4]\.\d{1,2}\.\d{1,2} [A-Z][\w ,()-]+", gap.criterion)
        assert gap.problem and gap.plan


@pytest.fixture
def statement_page(db, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@northshire.example"
    settings.ACCESSIBILITY_ORGANISATION = "Northshire County Council"

    def fetch() -> str:
        response = Client().get(reverse("accessibility"))
        assert response.status_code == 200
        return re.sub(r"\s+", " ", response.content.decode())

    return fetch


def test_the_statement_follows_the_model_statement(statement_page):
    page = statement_page()

    for heading in (
        "Feedback and contact information",
        "Reporting accessibility problems with this site",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Disproportionate burden",
        "Preparation of this accessibility statement",
    ):
        assert re.search(rf"<h[23][^>]*>{re.escape(heading)}</h[23]>", page), heading
    assert "Equality and Human Rights Commission" in page
    assert "Equality Advisory and Support Service" in page
    assert "This statement was prepared on 3 December 2026" in page
    assert "It was last reviewed on 3 December 2026" in page
    assert '<a href="mailto:access@northshire.example">access@northshire.example</a>' in page
    assert "run by Northshire County Council" in page


def test_known_gaps_are_listed_by_criterion_and_make_it_partially_compliant(
    statement_page, monkeypatch
):
    gap = statement.Gap(
        "1.4.10 Reflow", "A page scrolls sideways at 320 pixels.", "It is being rebuilt."
    )
    monkeypatch.setattr(statement, "KNOWN_GAPS", (gap,))

    page = statement_page()

    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2" in page
    for gap in statement.KNOWN_GAPS:
        assert f"This fails WCAG 2.2 success criterion {gap.criterion}." in page


def test_with_no_known_gap_the_statement_says_fully_compliant(statement_page, monkeypatch):
    monkeypatch.setattr(statement, "KNOWN_GAPS", ())

    page = statement_page()

    assert "fully compliant with the Web Content Accessibility Guidelines version 2.2" in page
    assert "partially compliant" not in page


def test_the_statement_lists_each_check_and_every_pdf_kind(statement_page):
    page = statement_page()

    for check in statement.CHECKS:
        assert str(check.text) in page.replace("&#x27;", "'").replace("&quot;", '"')
        assert ", ".join(check.criteria) in page
    for kind in statement.PDF_KINDS:
        assert str(kind.name) in page
    assert "The PDFs are tagged, but" not in page
