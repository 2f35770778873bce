"""Public verification of documents, under /verifier/ (no login)."""

from django.urls import path

from . import views_verification

app_name = "verification"

urlpatterns = [
    path("", views_verification.verifier, name="verifier"),
]
