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
