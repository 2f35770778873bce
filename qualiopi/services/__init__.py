"""Qualiopi services, one module per topic."""
