"""Show a service's ValidationError where the user will read it: at the field, or as a flash."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def add_errors(form, exc: ValidationError) -> None:
    """Attach each message to its form field (or to the form when it names no known field)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)
