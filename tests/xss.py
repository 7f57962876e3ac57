"""Hostile text for the email and PDF tests, and what to look for in the markup it ends up in.

The payload list is the one the page tests use (``tests/issues/test_bad_input.py``), plus a
few aimed at emails: a header injection, template and format syntax, text that is already
escaped (it must not be escaped again, nor unescaped).
"""

import re
from collections import Counter
from html.parser import HTMLParser

from tests.issues.test_bad_input import XSS_PAYLOADS, live_markup

HEADER_INJECTION = "Caseloads\r\nBcc: x@evil.example\r\nATTENDEE:mailto:x@evil.example"
EXTRA_PAYLOADS = [
    HEADER_INJECTION,
    "%(forum)s %s {{ link }} {% now 'Y' %} ${7*7}",
    'Tom & Jerry\'s "team" <b>bold</b> &amp; &lt;i&gt; &#60;',
]
PAYLOADS = XSS_PAYLOADS + EXTRA_PAYLOADS

# What escaping adds. A plain-text part must carry none of these that the payload did not.
ENTITIES = ("&lt;", "&gt;", "&amp;", "&quot;", "&#x27;", "&#39;")
MARKUP = re.compile(r"[<&]")

__all__ = [
    "ENTITIES",
    "HEADER_INJECTION",
    "PAYLOADS",
    "Document",
    "fit",
    "live_markup",
    "escaped_or_absent",
    "payload_born",
    "squeeze",
]


def squeeze(text: str) -> str:
    """``text`` with all whitespace removed, to compare across line wrapping and templates."""
    return "".join(text.split())


def fit(payload: str, limit: int) -> str:
    """The payload cut to a field's length, as a form would have refused anything longer."""
    return payload[:limit].strip()


class Document(HTMLParser):
    """An HTML document read the way a browser or WeasyPrint reads it: elements and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple[str, ...]]] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append((tag, tuple(sorted(name for name, _value in attrs))))
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def shows(self, value: str) -> bool:
        """True if ``value`` is in the document's text (as text, not as markup)."""
        return squeeze(value) in squeeze(self.text)


def payload_born(hostile: Document, benign: Document) -> Counter:
    """Elements (tag and attribute names) in ``hostile`` that its benign twin does not have."""
    return Counter(hostile.elements) - Counter(benign.elements)


def escaped_or_absent(value: str, html: str) -> bool:
    """True unless ``value`` holds markup (a tag or an entity) and appears in ``html`` unescaped."""
    return not MARKUP.search(value) or value not in html
