"""A leader's list of briefs: only theirs, twenty to a page."""

from django.urls import reverse

from escalations.models import Brief, BriefStatus
from tests.conftest import client_for
from tests.factories import ThemeFactory


def sent_briefs(forum, leader, count: int, prefix: str = "B") -> None:
    theme = ThemeFactory(forum=forum)
    for i in range(count):
        brief = Brief.objects.create(
            forum=forum,
            theme=theme,
            reference=f"{prefix}-{i:03d}",
            title=f"Brief {prefix}{i}",
            problem="p",
            ask="a",
            status=BriefStatus.SENT,
        )
        brief.recipients.add(leader)


def test_a_leader_pages_through_their_briefs_twenty_at_a_time(forum, leader, convenor):
    sent_briefs(forum, leader, 25)
    sent_briefs(forum, convenor, 3, prefix="X")  # addressed to someone else
    client = client_for(leader)
    url = reverse("escalations:briefs_for_me")

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert first.count('class="card"') == 20
    assert "Page 1 of 2" in first and "Next page" in first
    assert second.count('class="card"') == 5
    assert "Brief X" not in first + second
    assert client.get(url, {"page": "lots"}).status_code == 200
