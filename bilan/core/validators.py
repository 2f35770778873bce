import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siret


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits with a valid Luhn key (La Poste's establishments excepted)."""
    if not value:
        return
    try:
        siret.validate(value)
    except StdnumValidationError:
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide (14 chiffres avec une clé de contrôle)."),
            code="invalid_siret",
        ) from None


COULEUR_HEX = r"^#[0-9a-f]{6}$"
CONTRASTE_MINIMUM = 4.5  # WCAG 2.1, criterion 1.4.3 (AA), normal text


def _luminance(couleur: str) -> float:
    """Relative luminance of ``#rrggbb`` (WCAG 2.1 definition)."""
    canaux = []
    for debut in (1, 3, 5):
        c = int(couleur[debut : debut + 2], 16) / 255
        canaux.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = canaux
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contraste_sur_blanc(couleur: str) -> float:
    """Contrast ratio of ``#rrggbb`` against white: ``#ffffff`` -> 1.0, ``#000000`` -> 21.0."""
    return 1.05 / (_luminance(couleur.lower()) + 0.05)


def validate_couleur_accent(value: str) -> None:
    """An accent colour is ``#rrggbb`` and reads on white (and white reads on it) at 4.5:1 at
    least: it colours links on white and white text on buttons of the portal and e-mails."""
    if not re.fullmatch(COULEUR_HEX, value or ""):
        raise ValidationError(
            _("Indiquez une couleur au format #rrggbb (par exemple #1f5f8b)."),
            code="couleur_format",
        )
    ratio = contraste_sur_blanc(value)
    if ratio < CONTRASTE_MINIMUM:
        raise ValidationError(
            _(
                "Cette couleur est trop claire : contraste de %(ratio)s:1 avec le blanc, il faut "
                "au moins 4,5:1 pour que le texte reste lisible. Choisissez une teinte plus foncée."
            )
            % {"ratio": f"{ratio:.2f}".replace(".", ",")},
            code="couleur_contraste",
        )
