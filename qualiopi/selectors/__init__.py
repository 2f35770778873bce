"""Qualiopi selectors, one module per topic."""
