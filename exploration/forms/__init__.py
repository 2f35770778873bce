"""Exploration forms, one module per topic."""
