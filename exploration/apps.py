from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExplorationConfig(AppConfig):
    name = "exploration"
    verbose_name = _("Exploration (questionnaires, métiers, enquêtes métier)")
