from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bilan.core"
    label = "core"
    verbose_name = _("Socle")

    def ready(self) -> None:
        # Each app's ``signatures.py`` registers its document kinds and after-signature
        # handlers with ``bilan.core.signatures.types_documents`` (the system checks are
        # registered by ``bilan.core.models``, see ``bilan.core.checks``).
        autodiscover_modules("signatures")
