"""Suggested themes for ungrouped issues, accepted or rejected one by one, undone in one go."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum_app.models import User
from issues import similarity
from issues.models import Issue
from issues.services import issue_set_status
from meetings.models import Meeting, SuggestionBatch, SuggestionItem, Theme, ThemeIssue
from meetings.services.running import bump
from meetings.services.themes import check_grouping, groupable_issues, place_issue


@dataclass(frozen=True)
class Proposal:
    """Where one ungrouped issue could go: an existing theme, or a new group of issues."""

    issue_id: int
    theme_id: int | None
    new_group: str
    words: tuple[str, ...]
    name: str = ""


def propose_groups(meeting: Meeting) -> list[Proposal]:
    """Ask the similarity engine where each ungrouped open issue of the forum belongs.

    Issues already in themes teach the engine what each theme is about; the rest are
    placed in the nearest theme or gathered into new groups, with the shared words.
    """
    issues = list(
        groupable_issues(meeting)
        .select_related("category", "theme_link")
        .only("pk", "title", "body", "proposed_solution", "category__name", "theme_link__theme_id")
    )
    themes = set(Theme.objects.in_forum(meeting.forum).current().values_list("pk", flat=True))
    labels = {}
    for issue in issues:
        link = getattr(issue, "theme_link", None)
        labels[issue.pk] = str(link.theme_id) if link and link.theme_id in themes else None
    # With no theme yet the engine would group by the posters' categories, which are often
    # wrong; leaving them out makes it group the issues by their words alone.
    use_categories = any(labels.values())
    docs, ungrouped = [], []
    for issue in issues:
        label = labels[issue.pk]
        doc = similarity.Doc(
            key=issue.pk,
            text=similarity.issue_text(
                {
                    "title": issue.title,
                    "body": issue.body,
                    "proposed_solution": issue.proposed_solution,
                }
            ),
            category=issue.category.name if use_categories else "",
            label=label,
        )
        docs.append(doc)
        if label is None:
            ungrouped.append(doc)
    if not ungrouped:
        return []
    engine = similarity.TfidfEngine()
    engine.fit(docs)
    proposals = []
    labels = {str(pk) for pk in themes}
    for found in engine.suggest(ungrouped):
        words = tuple(found.reason)
        if not found.is_new and found.label in labels:
            proposals.append(Proposal(int(found.key), int(found.label), "", words))
        else:
            proposals.append(
                Proposal(int(found.key), None, str(found.label)[:40], words, found.name)
            )
    return proposals


def machine_name(words: tuple[str, ...]) -> str:
    """A short theme name from the words that drew issues together.

    Only for a group the engine could not name from its issues' phrases.
    """
    picked = [w for w in words if w][:3]
    if not picked:
        return _("New theme")
    return ", ".join(picked).capitalize()[:120]


@transaction.atomic
def suggestion_create(*, meeting: Meeting, actor: User) -> SuggestionBatch | None:
    """Run "Suggest themes" and keep the proposals for the convenor to accept or reject."""
    check_grouping(meeting, actor)
    proposals = propose_groups(meeting)
    if not proposals:
        return None
    batch = SuggestionBatch.objects.create(meeting=meeting)
    words: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for proposal in proposals:
        if proposal.new_group:
            words.setdefault(proposal.new_group, []).extend(proposal.words)
            names.setdefault(proposal.new_group, proposal.name)
    for group, name in names.items():
        names[group] = (name or machine_name(tuple(dict.fromkeys(words[group]))))[:120]
    SuggestionItem.objects.bulk_create(
        [
            SuggestionItem(
                batch=batch,
                issue_id=p.issue_id,
                theme_id=p.theme_id,
                new_group=p.new_group,
                new_name=names[p.new_group] if p.new_group else "",
                reason=", ".join(p.words)[:300],
            )
            for p in proposals
        ]
    )
    bump(meeting)
    return batch


def _accept(item: SuggestionItem, actor: User) -> None:
    batch = item.batch
    meeting = batch.meeting
    if item.theme_id is None:
        sibling = (
            SuggestionItem.objects.filter(batch=batch, new_group=item.new_group, created_theme=True)
            .exclude(theme=None)
            .select_related("theme")
            .first()
        )
        if sibling is not None:
            item.theme = sibling.theme
        else:
            # A theme named the same (ignoring case) already exists: the issue joins it.
            same_name = (
                Theme.objects.current()
                .filter(forum=meeting.forum, name__iexact=item.new_name)
                .first()
            )
            if same_name is not None:
                item.theme = same_name
            else:
                item.theme = Theme.objects.create(
                    forum=meeting.forum, name=item.new_name, named_by_person=False
                )
                item.created_theme = True
    link = ThemeIssue.objects.filter(issue_id=item.issue_id).first()
    item.previous_theme_id = link.theme_id if link else None
    item.previous_status = item.issue.status
    place_issue(meeting, item.issue, item.theme, actor)
    item.state = SuggestionItem.State.ACCEPTED
    item.save(
        update_fields=["theme", "created_theme", "previous_theme", "previous_status", "state"]
    )


def _pending(batch: SuggestionBatch):
    return batch.items.filter(state=SuggestionItem.State.PENDING).select_related(
        "issue", "theme", "batch__meeting__forum"
    )


def _check_batch(batch: SuggestionBatch, actor: User) -> None:
    check_grouping(batch.meeting, actor)
    if batch.undone_at is not None:
        raise ValidationError(_("These suggestions were undone."))


@transaction.atomic
def suggestion_decide(*, item: SuggestionItem, actor: User, accept: bool) -> None:
    """Accept (move the issue) or reject one suggestion."""
    _check_batch(item.batch, actor)
    item = _pending(item.batch).filter(pk=item.pk).select_for_update(of=("self",)).first()
    if item is None:
        raise ValidationError(_("This suggestion has already been answered."))
    if accept:
        _accept(item, actor)
    else:
        item.state = SuggestionItem.State.REJECTED
        item.save(update_fields=["state"])
    bump(item.batch.meeting)


@transaction.atomic
def suggestion_decide_all(*, batch: SuggestionBatch, actor: User, accept: bool) -> int:
    """Accept or reject every suggestion still waiting. Returns how many were answered."""
    _check_batch(batch, actor)
    items = list(_pending(batch).select_for_update(of=("self",)))
    for item in items:
        if accept:
            _accept(item, actor)
        else:
            item.state = SuggestionItem.State.REJECTED
            item.save(update_fields=["state"])
    bump(batch.meeting)
    return len(items)


@transaction.atomic
def suggestion_undo(*, batch: SuggestionBatch, actor: User) -> int:
    """Undo a whole run of suggestions: accepted issues go back where they were.

    Themes the suggestions created are removed when nothing else has been put in them.
    Returns how many issues moved back.
    """
    _check_batch(batch, actor)
    meeting = batch.meeting
    accepted = list(
        batch.items.filter(state=SuggestionItem.State.ACCEPTED)
        .select_related("issue", "previous_theme", "theme")
        .order_by("-pk")
    )
    for item in accepted:
        place_issue(meeting, item.issue, item.previous_theme, actor)
        if item.previous_theme is None and item.previous_status:
            current = Issue.objects.get(pk=item.issue_id).status
            if current != item.previous_status:
                issue_set_status(issue=item.issue, status=item.previous_status, actor=actor)
    created = {item.theme_id for item in accepted if item.created_theme}
    batch.items.update(state=SuggestionItem.State.REJECTED)
    batch.undone_at = timezone.now()
    batch.save(update_fields=["undone_at"])
    for theme in Theme.objects.filter(pk__in=created):
        if not theme.theme_issues.exists():
            theme.meeting_themes.all().delete()
            SuggestionItem.objects.filter(theme=theme).update(theme=None)
            theme.delete()
    bump(meeting)
    return len(accepted)
