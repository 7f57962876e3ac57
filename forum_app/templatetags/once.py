from django import template
from django.utils.html import format_html

from forum_app.once import FIELD, new_token

register = template.Library()


@register.simple_tag
def once_field() -> str:
    """A hidden one-time token, so sending the same form twice creates one thing."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
