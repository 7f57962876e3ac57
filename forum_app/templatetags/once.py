from django import template
from django.utils.html import format_html

from forum_app.once import FIELD, token_for

register = template.Library()


@register.simple_tag(takes_context=True)
def once_field(context) -> str:
    """A hidden one-time token, so sending the same form twice creates one thing."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, token_for(context.get("request"))
    )
