"""Exploration views, one module per topic."""
