"""Show a service's ValidationError where the user will read it: at the field, or as a flash.

A refusal that names what is missing (``Manque``: the message and the page where to fix it)
travels in a ``RefusAvecLiens``; the flash shows each message with its link, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Manque:
    """A missing condition, in French, and where to fix it (a URL, maybe with an anchor)."""

    message: str
    lien: str = ""
    libelle_lien: str = ""

    def html(self) -> SafeString:
        if not self.lien:
            return format_html("{}", self.message)
        return format_html(
            '{} <a href="{}">{}</a>',
            self.message,
            self.lien,
            self.libelle_lien or gettext_lazy("Corriger"),
        )


class RefusAvecLiens(ValidationError):
    """A refusal listing every missing condition, each with the page where to fix it."""

    def __init__(self, manques: list[Manque]):
        super().__init__([m.message for m in manques])
        self.manques = manques


def add_errors(form, exc: ValidationError) -> None:
    """Attach each message to its form field (or to the form when it names no known field)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Each message once, with its link when the refusal says where to fix it."""
    if isinstance(exc, RefusAvecLiens):
        for manque in exc.manques:
            messages.error(request, manque.html())
        return
    for message in exc.messages:
        messages.error(request, message)
