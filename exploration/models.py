"""Exploration rows: questionnaires and answers, ROME reference tables, pistes, enquêtes métier."""
