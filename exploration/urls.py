"""URL patterns of the exploration tools (staff and portal), mounted by the project."""

from django.urls import URLPattern

# Namespace "exploration" (staff), mounted at /app/exploration/.
exploration_patterns: list[URLPattern] = []

# Namespace "portail_exploration" (beneficiary), mounted at /portail/exploration/.
portail_exploration_patterns: list[URLPattern] = []
