"""Every page names its favicon (SVG and PNG), home-screen icon and web app manifest, and the
files are there: a manifest with the forum's name, icons and theme colour."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_page_links_the_favicon_and_the_manifest():
    page = Client().get("/accounts/login/").content.decode()
    for path in (
        "icons/favicon.svg",
        "icons/favicon-32.png",
        "icons/apple-touch-icon.png",
        "icons/site.webmanifest",
    ):
        assert f"{settings.STATIC_URL}{path}" in page
        assert finders.find(path), path
    assert '<meta name="theme-color" content="#154766">' in page


def test_the_manifest_names_the_app_its_icons_and_theme_colour():
    manifest_path = Path(finders.find("icons/site.webmanifest"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["name"] == "Social Work Forum"
    assert manifest["theme_color"] == "#154766"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (manifest_path.parent / icon["src"]).exists(), icon["src"]


def test_the_png_icons_have_the_sizes_they_claim():
    for name, size in (("icon-192.png", 192), ("icon-512.png", 512), ("favicon-32.png", 32)):
        data = Path(finders.find(f"icons/{name}")).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20]), int.from_bytes(data[20:24])
        assert (width, height) == (size, size), name
