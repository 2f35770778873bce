"""Exploration rows, one module per role (questionnaires, ROME reference tables, pistes and
enquêtes métier), gathered here so that Django finds them."""

from exploration.models.questionnaires import Passation

__all__ = ["Passation"]
