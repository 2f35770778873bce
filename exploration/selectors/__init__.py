"""Exploration selectors, one module per topic."""
