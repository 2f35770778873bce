"""PDF generation: project templates + sanitised user text -> WeasyPrint -> PDF/A-3u bytes.

Security (WeasyPrint docs, §Security; CVE-2025-68616): rendering HTML lets the renderer fetch
``file:`` URLs (and embed them as attachments), reach the network, or follow redirects. Every
render here goes through ``PdfURLFetcher``, which is **deny by default**:

- ``bilan-pdf:<path>`` is the only way to reach a file, and only a regular file of an allowed
  type inside the shipped ``pdf_assets/`` folder (print stylesheets and fonts);
- ``data:`` is accepted only for the exact data URIs the caller registered (the organisation
  logo, read here from the private storage and inlined);
- everything else (``file:``, ``http(s):``, ``ftp:``, relative URLs, other ``data:``) is
  refused: the resource is dropped and the refusal logged, the render goes on.

Fonts: the print stylesheet asks for DejaVu (Sans, Serif), installed system-wide with
fonts-dejavu (Debian, open licence) and found through fontconfig, not through the fetcher.
WeasyPrint embeds the subset it uses in every PDF (PDF/A requires it; a test checks it).

User-provided rich text must go through ``sanitize_html`` before it reaches a template, and be
output with ``|safe`` only after that.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

if TYPE_CHECKING:
    from bilan.core.models import Organisation

logger = logging.getLogger(__name__)

STATIC_SCHEME = "bilan-pdf:"
STATIC_PDF_DIR = Path(settings.BASE_DIR) / "pdf_assets"  # not under static/: never served
STATIC_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".png": "image/png",
}
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
PDF_VARIANT = "pdf/a-3u"

SANITIZE_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}


class PdfResourceRefused(ValueError):
    """A resource the fetcher does not allow. Non-fatal: WeasyPrint drops the resource."""


def _weasyprint() -> tuple[Any, Any, Any]:
    # Imported lazily: loading WeasyPrint (pango, harfbuzz) costs ~0.8 s at first use.
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, URLFetcher, URLFetcherResponse


def _fetcher_class() -> type:
    _wp, URLFetcher, URLFetcherResponse = _weasyprint()

    # URLFetcher comes from the lazy import above, untyped: mypy cannot check the base class.
    class PdfURLFetcher(URLFetcher):  # type: ignore[misc, valid-type]
        """Deny-by-default fetcher (WeasyPrint >= 66 API: subclass, override ``fetch``).

        Never calls ``super().fetch``: nothing here opens a socket or a path outside
        ``pdf_assets/``. ``refused`` lists what was turned down (for logs and tests).
        """

        def __init__(self, *, data_uris: frozenset[str] = frozenset()) -> None:
            super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
            self.allowed_data_uris = data_uris
            self.refused: list[str] = []

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            if url.startswith(STATIC_SCHEME):
                path = _static_path(url[len(STATIC_SCHEME) :])
                if path is not None:
                    return URLFetcherResponse(
                        url, path.read_bytes(), {"Content-Type": STATIC_TYPES[path.suffix]}
                    )
            elif url.startswith("data:") and url in self.allowed_data_uris:
                mime, payload = _decode_data_uri(url)
                return URLFetcherResponse(url, payload, {"Content-Type": mime})
            return self.refuse(url)

        def refuse(self, url: str) -> NoReturn:
            shown = url[:80]
            self.refused.append(url)
            logger.warning("PDF : ressource refusée par le filtre d'URL : %s", shown)
            raise PdfResourceRefused(f"Ressource refusée : {shown}")

    return PdfURLFetcher


def _static_path(relative: str) -> Path | None:
    """The shipped file under pdf_assets/ that ``relative`` names, or None."""
    relative = relative.lstrip("/")
    if not relative or "\\" in relative or "\x00" in relative:
        return None
    base = STATIC_PDF_DIR.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    if path.suffix.lower() not in STATIC_TYPES:
        return None
    return path


def _decode_data_uri(url: str) -> tuple[str, bytes]:
    header, _, payload = url.partition(",")
    mime = header[len("data:") :].split(";")[0] or "text/plain"
    return mime, base64.b64decode(payload)


def pdf_url_fetcher(*, data_uris: frozenset[str] = frozenset()) -> Any:
    """A new deny-by-default fetcher, allowing only ``pdf_assets/`` and these data URIs."""
    return _fetcher_class()(data_uris=data_uris)


def organisation_logo_data_uri(organisation: Organisation) -> str | None:
    """The organisation's logo (private storage) as a ``data:`` URI, or None.

    Only PNG and JPEG, recognised by their first bytes, up to 2 MB; anything else is left out.
    """
    if not organisation.logo:
        return None
    try:
        with organisation.logo.open("rb") as handle:
            content = handle.read(LOGO_MAX_BYTES + 1)
    except OSError:
        logger.warning("PDF : logo de l'organisme %s illisible", organisation.pk)
        return None
    if len(content) > LOGO_MAX_BYTES:
        return None
    for magic, mime in LOGO_MAGIC.items():
        if content.startswith(magic):
            return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"
    return None


def sanitize_html(text: str) -> str:
    """Allow-list sanitising of user rich text before it goes into a PDF template.

    Keeps paragraphs, line breaks, emphasis, lists, h3/h4, quotes and links whose address is
    ``https:`` or ``mailto:`` (relative addresses dropped). No attribute other than ``href``,
    no ``img``, ``style``, ``link``, ``script`` (the latter two with their content).
    """
    return nh3.clean(
        text or "",
        tags=SANITIZE_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        url_schemes={"https", "mailto"},
        url_relative="deny",
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_html(
    *, template: str, context: dict, organisation: Organisation
) -> tuple[str, str | None]:
    """The HTML of a PDF and the logo data URI it may use (None when there is no logo)."""
    logo = organisation_logo_data_uri(organisation)
    full_context = {
        **context,
        "organisation": organisation,
        "logo_data_uri": logo,
        "pdf_static": STATIC_SCHEME,
        "generated_at": timezone.localtime(),
    }
    # Documents are in French whatever the language active where they are generated (a task).
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, full_context), logo


def render_pdf(*, template: str, context: dict, organisation: Organisation) -> bytes:
    """Render a project template to PDF/A-3u bytes (A4, letterhead, "page X / Y").

    ``template`` should extend ``pdf/base.html``. Resources go through the deny-by-default
    fetcher; user-provided rich text in ``context`` must already be ``sanitize_html``-ed.
    """
    weasyprint, _fetcher, _response = _weasyprint()
    html, logo = render_html(template=template, context=context, organisation=organisation)
    fetcher = pdf_url_fetcher(data_uris=frozenset({logo}) if logo else frozenset())
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant=PDF_VARIANT, presentational_hints=False)
