from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class RelancesConfig(AppConfig):
    name = "relances"
    verbose_name = _("Relances et rappels")

    def ready(self) -> None:
        # Every app declares its own kinds and its share of the daily sweep in
        # ``<app>/relances.py`` (relances.registre): import them all, Django admin's way.
        autodiscover_modules("relances")
