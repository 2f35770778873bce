from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelancesConfig(AppConfig):
    name = "relances"
    verbose_name = _("Relances et rappels")
