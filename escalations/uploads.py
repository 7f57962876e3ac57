"""A cap on uploaded files that stops keeping bytes as soon as a file passes it.

Django's own limits cover form fields, not files: without this, a 40 MB "PDF" would be
received whole and written to a temporary file before the form could refuse it. With it,
the bytes past the cap are read off the connection and dropped, and the form says why.
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest


class CappedUploadHandler(FileUploadHandler):
    """Skip any file larger than ``limit`` bytes and remember which fields were skipped."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large: set[str] = set()

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        if content_length is not None and content_length > self.limit:
            self.too_large.add(field_name)
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.too_large.add(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def cap_uploads(request: HttpRequest, limit: int) -> CappedUploadHandler:
    """Put a cap in front of the request's upload handlers; call before reading the body."""
    handler = CappedUploadHandler(request, limit=limit)
    request.upload_handlers.insert(0, handler)
    return handler
