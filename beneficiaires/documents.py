"""Validation rules for the files of a dossier: size and type, with French messages."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
}
# Leading bytes of the binary formats, so a renamed executable is not accepted as a PDF.
MAGIC = {
    "pdf": [b"%PDF"],
    "png": [b"\x89PNG"],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "odt": [b"PK\x03\x04"],
    "docx": [b"PK\x03\x04"],
}


def validate_document(upload) -> str:
    """Check an uploaded file; return its MIME type or raise a French ValidationError."""
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("Type de fichier non accepté. Formats possibles : %(types)s.")
            % {"types": ", ".join(sorted(ALLOWED_TYPES))},
            code="type",
        )
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("Le fichier dépasse la taille maximale de 10 Mo."),
            code="size",
        )
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    head = upload.read(8)
    upload.seek(0)
    if extension in MAGIC and not any(head.startswith(m) for m in MAGIC[extension]):
        raise ValidationError(
            _("Le contenu du fichier ne correspond pas à son extension (.%(ext)s).")
            % {"ext": extension},
            code="content",
        )
    return ALLOWED_TYPES[extension]
