from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EspacesConfig(AppConfig):
    """The pages that gather every app: the staff home, the dossier page, the portal home and
    the beneficiary's data page, and the demo seed. The top layer: nothing imports it but the
    project's urls."""

    name = "espaces"
    verbose_name = _("Espaces")
