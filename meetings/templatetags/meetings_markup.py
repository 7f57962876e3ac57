from django import template

from meetings.markup import render_minutes

register = template.Library()


@register.filter
def minutes_markdown(text: str):
    return render_minutes(text)
