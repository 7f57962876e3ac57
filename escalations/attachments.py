"""The signed PDF of a sent brief, attached to the emails that announce it.

Every leader and convenor then holds the exact file the forum sent, outside the server.
"""

from escalations.models import BriefVersion
from forum_app.models import Notification


def brief_pdf_attachment(row: Notification) -> tuple[str, bytes, str] | None:
    """The version's PDF for a ``brief_sent`` email, or None for rows written before it."""
    brief_id, number = row.context.get("brief_id"), row.context.get("version")
    if not brief_id or not number:
        return None
    version = (
        BriefVersion.objects.select_related("brief")
        .only("pdf", "brief__reference")
        .filter(brief_id=brief_id, number=number)
        .first()
    )
    if version is None:
        return None
    return f"{version.brief.reference}-v{number}.pdf", bytes(version.pdf), "application/pdf"
