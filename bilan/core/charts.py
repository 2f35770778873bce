"""Server-rendered SVG bar charts, generic (infrastructure): no JavaScript, no CDN, nothing
inline that the CSP refuses (presentation attributes only). Each bar carries its own hatching
pattern and its value written beside it, so the chart reads without colour; pages give a table
too. Used by the cockpits (``espaces.charts``) and the questionnaire results (``exploration``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Patterns told apart by shape, not by colour (WCAG 1.4.1): lines, dots, cross-hatching...
_MOTIFS = (
    '<path d="M0 8 L8 0" stroke="#0b3d91" stroke-width="2"/>',
    '<circle cx="4" cy="4" r="1.8" fill="#6b2c91"/>',
    '<path d="M0 0 L8 8 M8 0 L0 8" stroke="#114b2b" stroke-width="1.5"/>',
    '<path d="M0 4 H8" stroke="#8a3b00" stroke-width="2"/>',
    '<path d="M4 0 V8" stroke="#3d3d3d" stroke-width="2"/>',
)

LARGEUR = 320
HAUTEUR_BARRE = 22
ECART = 10
MARGE_TEXTE = 150


def _nombre(valeur: float | int | Decimal) -> str:
    if float(valeur).is_integer():
        return str(int(valeur))
    return f"{float(valeur):.1f}".replace(".", ",")


def barres_svg(
    *,
    identifiant: str,
    titre: str,
    series: Sequence[tuple[str, float | int | Decimal]],
    maximum: float | None = None,
    suffixe: str = "",
) -> SafeString:
    """A horizontal bar chart: one labelled, patterned bar per (label, value), the value
    written at the bar's end (followed by ``suffixe``, e.g. « / 40 »). ``titre`` names it for
    assistive technologies. ``maximum``: the full-width value (default: the largest value),
    so that scales of a known range are drawn to the same scale."""
    if maximum is None:
        maximum = max([float(v) for _, v in series] + [1.0])
    # Room at the right for the value written after the bar (and its suffix).
    zone = LARGEUR - MARGE_TEXTE - 40 - 7 * len(suffixe)
    hauteur = len(series) * (HAUTEUR_BARRE + ECART) + ECART
    defs = format_html_join(
        "",
        '<pattern id="{}-m{}" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="#ffffff"/>{}</pattern>',
        ((identifiant, i, SafeString(_MOTIFS[i % len(_MOTIFS)])) for i in range(len(series))),
    )
    barres = format_html_join(
        "",
        '<g><text x="0" y="{}" font-size="12" fill="#212529">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="url(#{}-m{})" stroke="#212529"/>'
        '<text x="{}" y="{}" font-size="12" fill="#212529">{}</text></g>',
        (
            (
                ECART + i * (HAUTEUR_BARRE + ECART) + 15,
                libelle if len(libelle) <= 24 else libelle[:23] + "…",
                MARGE_TEXTE,
                ECART + i * (HAUTEUR_BARRE + ECART),
                max(round(float(valeur) / maximum * zone), 1),
                HAUTEUR_BARRE,
                identifiant,
                i,
                MARGE_TEXTE + max(round(float(valeur) / maximum * zone), 1) + 6,
                ECART + i * (HAUTEUR_BARRE + ECART) + 15,
                _nombre(valeur) + suffixe,
            )
            for i, (libelle, valeur) in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="graphique" role="img" aria-labelledby="{}-titre" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-titre">{}</title><defs>{}</defs>{}</svg>',
        identifiant,
        LARGEUR,
        hauteur,
        identifiant,
        titre,
        defs,
        barres,
    )
