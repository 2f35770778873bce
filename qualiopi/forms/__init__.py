"""Qualiopi forms, one module per topic."""
