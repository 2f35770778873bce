"""Qualiopi views, one module per topic."""
