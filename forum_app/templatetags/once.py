from django import template
from django.utils.html import format_html

from forum_app.once import FIELD, token_for

register = template.Library()


@register.simple_tag(takes_context=True)
def once_field(context) -> str:
    """A one-time token out of sight, so sending the same form twice creates one thing.

    A text input with ``hidden``, not ``type="hidden"``: after Back the browser restores
    what was typed into a freshly loaded form, and this token with it (see ``issues.forms``).
    """
    return format_html(
        '<input type="text" name="{}" value="{}" hidden>', FIELD, token_for(context.get("request"))
    )
