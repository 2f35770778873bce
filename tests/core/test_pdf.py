"""PDF rendering: real WeasyPrint, the deny-by-default URL fetcher, sanitising, PDF/A output."""

import io

import pytest
from django.core.files.base import ContentFile
from django.utils.safestring import mark_safe
from PIL import Image
from pypdf import PdfReader

from bilan.core import pdf as pdf_module
from bilan.core.models import Organisation
from bilan.core.pdf import PdfResourceRefused, pdf_url_fetcher, render_pdf, sanitize_html


def _organisation(**kwargs):
    # Unsaved: rendering never needs the database (logo tests save the file only).
    return Organisation(
        raison_sociale="L'Atelier des Parcours",
        slug="atelier",
        siret="73282932000074",
        numero_declaration_activite="11755555575",
        **kwargs,
    )


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _resources(pdf: bytes):
    """Every XObject subtype and every font dictionary used by the pages."""
    reader = PdfReader(io.BytesIO(pdf))
    xobjects, fonts = [], []
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        resources = resources.get_object()
        for xobject in (resources.get("/XObject") or {}).values():
            xobjects.append(xobject.get_object().get("/Subtype"))
        for font in (resources.get("/Font") or {}).values():
            fonts.append(font.get_object())
    return reader, xobjects, fonts


def _embedded(font) -> bool:
    descendants = font.get("/DescendantFonts")
    target = descendants[0].get_object() if descendants else font
    descriptor = target.get("/FontDescriptor").get_object()
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


class RecordingFetcher:
    """Wraps the project's fetcher to keep every instance a render created."""

    instances: list

    def __init__(self):
        self.instances = []

    def __call__(self, **kwargs):
        fetcher = pdf_url_fetcher(**kwargs)
        self.instances.append(fetcher)
        return fetcher


# --- A normal render --------------------------------------------------------------------------


def test_a_normal_render_is_a4_pdfa_with_letterhead_page_numbers_and_embedded_fonts(
    tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    organisation = _organisation()
    png = io.BytesIO()
    Image.new("RGB", (40, 20), (10, 88, 202)).save(png, format="PNG")
    organisation.logo.save("logo.png", ContentFile(png.getvalue()), save=False)

    body = sanitize_html(
        "<h3>Objectifs</h3><p>Élaborer un projet « réaliste » — coût 1 800 €, cœur.</p>" * 30
    )
    pdf = render_pdf(
        template="pdf/base.html",
        context={"title": "Convention de bilan", "content_html": mark_safe(body)},  # noqa: S308
        organisation=organisation,
    )

    assert pdf.startswith(b"%PDF-")
    reader, xobjects, fonts = _resources(pdf)
    pages = len(reader.pages)
    assert pages >= 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points

    text = _text(pdf)
    assert "Convention de bilan" in text
    assert "Élaborer un projet « réaliste » — coût 1 800 €, cœur." in text
    # The letterhead on every page; "page X / Y" in the margin boxes.
    assert text.count("L'Atelier des Parcours") >= pages
    assert "SIRET 73282932000074" in text
    assert "Déclaration d'activité n° 11755555575" in text
    assert f"page 1 / {pages}" in text
    assert f"page {pages} / {pages}" in text

    # The logo, inlined as a data: URI, is the only image.
    assert "/Image" in xobjects
    # Fonts: the shipped DejaVu files (pdf_assets/fonts), embedded as subsets.
    assert fonts
    assert all(_embedded(font) for font in fonts)
    assert any("Bilan-Sans" in str(font.get("/BaseFont")) for font in fonts)

    # PDF/A-3u: output intent and XMP metadata declaring part 3, conformance U.
    root = reader.trailer["/Root"]
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="U"' in xmp
    assert root["/Lang"] == "fr"


# --- The fetcher --------------------------------------------------------------------------------


def test_user_content_cannot_reach_files_or_the_network(monkeypatch):
    """Even HTML that bypassed sanitize_html: the fetcher refuses, nothing gets into the PDF."""
    recorder = RecordingFetcher()
    monkeypatch.setattr(pdf_module, "pdf_url_fetcher", recorder)

    def _no_network(*args, **kwargs):
        raise AssertionError("le filtre d'URL a ouvert une connexion")

    monkeypatch.setattr("socket.socket.connect", _no_network)
    hostile = mark_safe(  # noqa: S308  (deliberately unsanitised)
        "<p>Texte légitime</p>"
        '<img src="file:///etc/passwd" alt="a">'
        '<img src="http://127.0.0.1:9/x.png" alt="b">'
        '<img src="https://example.org/pixel.png" alt="c">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="d">'
        '<img src="../../../etc/passwd" alt="e">'
        '<link rel="attachment" href="file:///etc/hostname">'
        '<div style="background: url(http://127.0.0.1:9/bg.png)">fond</div>'
        "<style>@import url(file:///etc/passwd);</style>"
    )
    pdf = render_pdf(
        template="pdf/base.html",
        context={"title": "Hostile", "content_html": hostile},
        organisation=_organisation(),
    )

    [fetcher] = recorder.instances
    refused = set(fetcher.refused)
    assert {
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/pixel.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/hostname",
        "http://127.0.0.1:9/bg.png",
    } <= refused
    assert "Texte légitime" in _text(pdf)
    reader, xobjects, _fonts = _resources(pdf)
    assert "/Image" not in xobjects
    assert "/Names" not in reader.trailer["/Root"]  # no embedded files (attachments)
    assert b"root:" not in pdf
    assert b"/EmbeddedFile" not in pdf


def test_the_fetcher_only_serves_shipped_pdf_static_files():
    fetcher = pdf_url_fetcher()
    response = fetcher.fetch("bilan-pdf:print.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    for url in (
        "bilan-pdf:../css/bilan.css",
        "bilan-pdf:/../../bilan/settings/base.py",
        "bilan-pdf:%2e%2e/css/bilan.css",
        "bilan-pdf:",
        "file:///work/main/pdf_assets/print.css",
        "http://127.0.0.1:8000/pdf_assets/print.css",
        "ftp://example.org/x",
        "data:text/css,body{}",
    ):
        with pytest.raises(PdfResourceRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 8


def test_the_fetcher_allows_only_the_registered_data_uri():
    allowed = "data:image/png;base64,iVBORw0KGgo="
    fetcher = pdf_url_fetcher(data_uris=frozenset({allowed}))
    response = fetcher.fetch(allowed)
    assert response.content_type == "image/png"
    assert response.read() == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(PdfResourceRefused):
        fetcher.fetch("data:image/png;base64,AAAA")


# --- Sanitising -------------------------------------------------------------------------------


def test_sanitize_keeps_the_allow_list_and_drops_everything_else():
    dirty = (
        '<h3 style="color:red">Titre</h3><p onclick="x()">Un <strong>texte</strong> '
        "<em>riche</em><br>suite</p><ul><li>un</li></ul><ol><li>deux</li></ol>"
        "<blockquote>cité</blockquote><h4>Sous-titre</h4>"
        '<img src="file:///etc/passwd"><script>alert(1)</script><style>p{}</style>'
        '<link rel="attachment" href="file:///etc/hostname"><iframe src="http://x"></iframe>'
        '<a href="https://exemple.fr">ok</a><a href="javascript:alert(1)">js</a>'
        '<a href="file:///etc/passwd">fichier</a><a href="/relatif">relatif</a>'
        '<a href="mailto:contact@exemple.fr">courriel</a><table><tr><td>cellule</td></tr></table>'
    )
    clean = sanitize_html(dirty)
    for kept in (
        "<h3>Titre</h3>",
        "<strong>texte</strong>",
        "<em>riche</em>",
        "<br>",
        "<ul><li>un</li></ul>",
        "<ol><li>deux</li></ol>",
        "<blockquote>cité</blockquote>",
        "<h4>Sous-titre</h4>",
        'href="https://exemple.fr"',
        'href="mailto:contact@exemple.fr"',
        "cellule",
    ):
        assert kept in clean
    for dropped in (
        "style",
        "onclick",
        "<img",
        "script",
        "alert",
        "<link",
        "iframe",
        "javascript:",
        "file:",
        "/relatif",
        "<table",
    ):
        assert dropped not in clean
    assert sanitize_html(None) == ""
