"""Keep the dashboard's cached issue figures true: any change to what they count gives the
forum a new figures token (see ``summaries.dashboard.issue_figures``).

The one place the token is renewed. It hears saves and deletes, so a service that changed
issues with a bulk ``update()`` would leave the figures stale for up to ten minutes:
``tests/summaries/test_figures_watch.py`` checks the figures after every service's
transaction in a forum's whole life and fails if one does.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from issues.models import Category, Issue, ServiceArea
from summaries.dashboard import figures_changed
from summaries.models import FiguresStamp, new_token


@receiver(post_save, sender=Issue)
@receiver(post_save, sender=Category)
@receiver(post_save, sender=ServiceArea)
def saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        figures_changed(instance.forum_id)


@receiver(post_delete, sender=Issue)
@receiver(post_delete, sender=Category)
@receiver(post_delete, sender=ServiceArea)
def deleted(sender, instance, **kwargs) -> None:
    # Update only: when a whole forum is being deleted its stamp must not come back.
    FiguresStamp.objects.filter(forum_id=instance.forum_id).update(token=new_token())
