"""The access table in templates, for a membership other than the request's own.

``{% load access %}{% if membership|can:"export_summaries" %}``. For the request's own
membership use the ``can`` object the context processor adds: ``{% if can.run_meetings %}``.
"""

from django import template

from forum_app import permissions

register = template.Library()


@register.filter
def can(membership, ability: str) -> bool:
    return permissions.can(membership, ability)
