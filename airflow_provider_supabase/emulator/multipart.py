"""multipart/form-data parsing for the function deploy endpoint, using only the stdlib email parser."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.errors import MultipartInvariantViolationDefect, StartBoundaryNotFoundDefect
from email.message import Message
from email.parser import BytesParser

from airflow_provider_supabase.emulator.wire import ApiError


@dataclass(frozen=True)
class FormPart:
    name: str
    filename: str | None
    content: bytes


def parse_form_data(content_type: str, body: bytes) -> list[FormPart]:
    """Split a multipart/form-data body into its parts; 400 if it is not one."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(400, "Invalid request body: expected multipart/form-data")
    # The email parser wants a whole MIME message, so the HTTP Content-Type becomes its header block.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    broken = (StartBoundaryNotFoundDefect, MultipartInvariantViolationDefect)
    if not message.is_multipart() or any(isinstance(d, broken) for d in message.defects):
        raise ApiError(400, "Invalid request body: malformed multipart/form-data")
    parts: list[FormPart] = []
    payload = message.get_payload()
    assert isinstance(payload, list)
    for part in payload:
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ApiError(400, "Invalid request body: a multipart part has no form field name")
        content = part.get_payload(decode=True)
        parts.append(FormPart(name, part.get_filename(), content if isinstance(content, bytes) else b""))
    return parts
