"""Qualiopi rows, one module per role (registers, offer pages, organisation documents, exports),
gathered here so that Django finds them."""

from qualiopi.models.exports import ExportQualiopi  # noqa: F401
