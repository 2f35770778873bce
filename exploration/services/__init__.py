"""Exploration services, one module per topic."""
