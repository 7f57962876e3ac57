from django import template

from forum_app.markup import render_markdown

register = template.Library()


@register.filter
def minutes_markdown(text: str):
    return render_markdown(text, headings=True)
