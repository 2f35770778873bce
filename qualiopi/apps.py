from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualiopiConfig(AppConfig):
    name = "qualiopi"
    verbose_name = _("Qualiopi")
