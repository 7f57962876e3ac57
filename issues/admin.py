"""Site admins configure each forum's categories and service areas here.

Issues, comments and supports are forum content and are deliberately not registered: the
admin must never show who raised, supported or discussed what.
"""

from django.contrib import admin

from issues.models import Category, ServiceArea


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "forum", "is_safety", "position"]
    list_filter = ["forum"]
    ordering = ["forum", "position", "name"]


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "forum", "position"]
    list_filter = ["forum"]
    ordering = ["forum", "position", "name"]
