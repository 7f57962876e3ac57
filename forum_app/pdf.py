"""PDFs: every document the forum makes is PDF/UA-1 and fetches nothing it did not make.

Each app renders its own HTML and hands it to WeasyPrint with the stylesheet as a string
(``stylesheet_text``) and a ``RefusingFetcher`` that lets through only the chart images
the app drew (``allowed_images``): ``file:`` and remote URLs are refused, so words typed
into a brief or minutes cannot pull anything into the file. ``tagged_pdf`` writes it.

WeasyPrint tags the structure from the HTML (headings, lists, tables, figures with their
``alt`` text, the title and language) when asked for PDF/UA-1. It gives table header cells an
ID and data cells the IDs of their headers, but does not write the header cells' ``/Scope``,
which PDF/UA checkers and some screen readers look for. ``header_scopes`` adds it, after
tagging and before the file is written, from each ``<th>``'s ``scope`` attribute.
"""

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

PDF_UA = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}

# HTML's scope values as PDF's. A header without one describes its column, as WeasyPrint
# assumes when it lists each data cell's headers.
SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}


class RefusingFetcher(URLFetcher):
    """Fetch only the URLs the app named (its chart ``data:`` URIs, or its own stylesheet's
    ``file:`` URL); refuse and record anything else."""

    def __init__(self, allowed: set[str], *, protocols: frozenset[str] = frozenset({"data"})):
        super().__init__(allowed_protocols=set(protocols), allow_redirects=False)
        self.allowed = allowed
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        if url not in self.allowed:
            self.refused.append(url)
            raise ValueError("Refused to fetch a URL while making a PDF.")
        return super().fetch(url, headers)


def allowed_images(html: str) -> set[str]:
    """The chart images (SVG ``data:`` URIs) written into ``html``: all it may fetch."""
    start = 'src="data:image/svg+xml;base64,'
    found = set()
    for part in html.split(start)[1:]:
        found.add(start[5:] + part.split('"', 1)[0])
    return found


@cache
def stylesheet_text(path: str) -> str:
    """A stylesheet shipped with the app (a static path), to give WeasyPrint as a string."""
    return Path(finders.find(path)).read_text(encoding="utf-8")


def pdf_stylesheets(path: str, fetcher: RefusingFetcher) -> list[CSS]:
    return [CSS(string=stylesheet_text(path), url_fetcher=fetcher)]


def header_scopes(document, pdf) -> None:
    """Give every tagged table header cell the ``/Scope`` its ``<th>`` declares.

    A WeasyPrint finisher: it runs once the structure tree is built. Each tagged cell's
    layout box holds its structure element (``mark``); a header repeated on each page of a
    long table has one element per page, and each gets its scope.
    """
    for page in document.pages:
        for box in page._page_box.descendants():
            element = getattr(box, "mark", None)
            if element is not None and box.element_tag == "th":
                element["A"]["Scope"] = SCOPES.get(box.element.get("scope", ""), "/Column")


def tagged_pdf(document: HTML, stylesheets: list[CSS] | None = None) -> bytes:
    """Write ``document`` as a tagged PDF/UA-1 file, table header scopes included."""
    return document.write_pdf(stylesheets=stylesheets, finisher=header_scopes, **PDF_UA)
