from django.http import HttpRequest, HttpResponse

from forum_app.permissions import mfa_setup_redirect, needs_mfa


class AdminRequiresMFAMiddleware:
    """Site admins reach the admin site only with two-factor authentication switched on."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.path.startswith("/admin/") and user.is_authenticated and needs_mfa(user):
            return mfa_setup_redirect(request)
        return self.get_response(request)
