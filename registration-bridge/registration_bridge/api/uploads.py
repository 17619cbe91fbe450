"""The payer list of an upload, as a seekable binary file: a `text/csv` body or the `file` part of a form."""

from __future__ import annotations

import shutil
import tempfile
from typing import IO

from flask import Request
from werkzeug.exceptions import UnsupportedMediaType

from .validation import BadRequestBody

CSV_TYPES = ("text/csv",)
FORM_FIELD = "file"
IN_MEMORY_UP_TO = 1 << 20  # larger bodies go to a temporary file, so a 200 MB list never sits in memory


def csv_upload(request: Request) -> tuple[IO[bytes], str | None]:
    """The uploaded file (the caller closes it) and its name when the client sent one."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get(FORM_FIELD)  # werkzeug spools large parts to a temporary file itself
        if upload is None:
            raise BadRequestBody([f"the form has no file field {FORM_FIELD!r}"])
        return upload.stream, upload.filename
    if request.mimetype in CSV_TYPES:
        spooled = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)
        try:
            shutil.copyfileobj(request.stream, spooled, 1 << 16)  # request.stream enforces max_content_length (413)
        except BaseException:
            spooled.close()
            raise
        spooled.seek(0)
        return spooled, None
    raise UnsupportedMediaType("send the list as text/csv, or as multipart/form-data with a file field 'file'")
