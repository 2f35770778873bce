from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class BeneficiairesConfig(AppConfig):
    name = "beneficiaires"
    verbose_name = _("Bénéficiaires et bilans")

    def ready(self) -> None:
        # Each app's consentements.py registers what a withdrawn consent ends in that app.
        autodiscover_modules("consentements")
