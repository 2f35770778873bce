"""Exploration rows, one module per role (questionnaires, ROME reference tables, pistes and
enquêtes métier), gathered here so that Django finds them."""
