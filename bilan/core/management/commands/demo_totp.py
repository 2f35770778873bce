from argparse import ArgumentParser
from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError

from bilan.core.mfa import totp_current_code
from bilan.core.models import User


class Command(BaseCommand):
    help = "Affiche le code TOTP actuel d'un compte de démonstration (démo uniquement)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        user = User.objects.filter(email__iexact=email).first()
        if (
            user is None
            or not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            raise CommandError("Aucun compte avec double authentification pour cette adresse.")
        self.stdout.write(totp_current_code(user=user))
