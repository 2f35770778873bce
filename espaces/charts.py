"""Server-rendered SVG charts for the cockpits (the generic bar chart lives in
``bilan.core.charts``): no JavaScript, no CDN, nothing inline that the
CSP refuses (presentation attributes only). Each bar carries its own hatching pattern and its
value written beside it, so the chart reads without colour; the pages give a table too."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

from bilan.core.charts import barres_svg

__all__ = ["barres_svg", "heures_svg"]


def heures_svg(
    *, identifiant: str, accompagnement: float, travail: float, total: float = 24
) -> SafeString:
    """The 24 hours as one bar split in two: accompaniment (plain) then personal work
    (hatched), the rest left empty; the text beside it says the same in words."""
    largeur = 240
    a = round(min(accompagnement, total) / total * largeur)
    t = round(min(travail, max(total - accompagnement, 0)) / total * largeur)
    return format_html(
        '<svg class="barre-heures" aria-hidden="true" focusable="false" viewBox="0 0 {} 14" '
        'width="100%" height="14" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
        '<defs><pattern id="{}-tp" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        '<path d="M0 6 L6 0" stroke="#0b3d91" stroke-width="2"/></pattern></defs>'
        '<rect x="0" y="0" width="{}" height="14" fill="#f1f3f5" stroke="#495057"/>'
        '<rect x="0" y="0" width="{}" height="14" fill="#0b3d91"/>'
        '<rect x="{}" y="0" width="{}" height="14" fill="url(#{}-tp)" stroke="#0b3d91"/>'
        "</svg>",
        largeur,
        identifiant,
        largeur,
        a,
        a,
        t,
        identifiant,
    )
