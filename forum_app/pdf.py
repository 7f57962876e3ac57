"""Tagged PDFs: every document the forum makes is PDF/UA-1, whichever app makes it.

WeasyPrint tags the structure from the HTML (headings, lists, tables, figures with their
``alt`` text, the title and language) when asked for PDF/UA-1. It gives table header cells an
ID and data cells the IDs of their headers, but does not write the header cells' ``/Scope``,
which PDF/UA checkers and some screen readers look for. ``header_scopes`` adds it, after
tagging and before the file is written, from each ``<th>``'s ``scope`` attribute.
"""

from weasyprint import CSS, HTML

PDF_UA = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}

# HTML's scope values as PDF's. A header without one describes its column, as WeasyPrint
# assumes when it lists each data cell's headers.
SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}


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
