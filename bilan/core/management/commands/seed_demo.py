"""Demo data: two organisations, their staff and beneficiaries. Idempotent. Demo only."""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from beneficiaires.models import Beneficiaire, PortalAccess
from bilan.core.mfa import totp_enable
from bilan.core.models import Membership, Organisation, Role, User
from bilan.core.tenancy import tenant_context

DEMO_PASSWORD = "demo-Bilan-2026"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"

ORGANISATIONS = [
    {
        "slug": "atelier-des-parcours",
        "raison_sociale": "L'Atelier des Parcours",
        "siret": "73282932000074",
        "numero_declaration_activite": "11755555575",
        "qualiopi_numero_certificat": "QUALIOPI-2024-0457",
        "qualiopi_couvre_bilans": True,
        "referent_handicap_nom": "Nadia Benali",
        "referent_handicap_contact": "handicap@atelier-parcours.example",
        "domain": "atelier-parcours.example",
        "staff": [
            ("admin", "Claire", "Martin", Role.ADMIN),
            ("consultant", "Julien", "Moreau", Role.CONSULTANT),
            ("consultante", "Sophie", "Lefèvre", Role.CONSULTANT),
        ],
        "beneficiaires": [
            ("Camille", "Durand", "mme", True),
            ("Thomas", "Petit", "m", True),
            ("Inès", "Garcia", "mme", False),
            ("Lucas", "Roux", "m", False),
        ],
    },
    {
        "slug": "horizons-competences",
        "raison_sociale": "Horizons Compétences",
        "siret": "55208131766522",
        "numero_declaration_activite": "84691234569",
        "qualiopi_numero_certificat": "QUALIOPI-2025-1182",
        "qualiopi_couvre_bilans": True,
        "referent_handicap_nom": "Marc Fontaine",
        "referent_handicap_contact": "04 72 00 00 00",
        "domain": "horizons-competences.example",
        "staff": [
            ("admin", "Hélène", "Bernard", Role.ADMIN),
            ("consultant", "Karim", "Haddad", Role.CONSULTANT),
            ("consultante", "Élodie", "Blanc", Role.CONSULTANT),
        ],
        "beneficiaires": [
            ("Manon", "Faure", "mme", True),
            ("Hugo", "Girard", "m", False),
            ("Léa", "Mercier", "mme", False),
        ],
    },
]


def _user(email: str, first_name: str, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Crée les données de démonstration (deux organismes). Sans effet si déjà présentes."

    @transaction.atomic
    def handle(self, *args, **options):
        lines = []
        for spec in ORGANISATIONS:
            organisation, _ = Organisation.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    key: spec[key]
                    for key in (
                        "raison_sociale",
                        "siret",
                        "numero_declaration_activite",
                        "qualiopi_numero_certificat",
                        "qualiopi_couvre_bilans",
                        "referent_handicap_nom",
                        "referent_handicap_contact",
                    )
                },
            )
            lines.append(f"\n{organisation.raison_sociale}")
            consultants = []
            for local, first, last, role in spec["staff"]:
                email = f"{local}@{spec['domain']}"
                user = _user(email, first, last)
                Membership.objects.get_or_create(
                    organisation=organisation, user=user, defaults={"role": role}
                )
                totp_enable(user=user, secret=DEMO_TOTP_SECRET)
                if role == Role.CONSULTANT:
                    consultants.append(user)
                lines.append(f"  {role:<11} {email}")
            with tenant_context(organisation):
                for index, (first, last, civilite, has_portal) in enumerate(spec["beneficiaires"]):
                    email = f"{slugify(first)}.{slugify(last)}@exemple.fr"
                    beneficiaire, _ = Beneficiaire.objects.get_or_create(
                        organisation=organisation,
                        email=email,
                        defaults={
                            "prenom": first,
                            "nom": last,
                            "civilite": civilite,
                            "consultant": consultants[index % len(consultants)],
                        },
                    )
                    if has_portal:
                        user = _user(email, first, last)
                        PortalAccess.objects.get_or_create(
                            beneficiaire=beneficiaire,
                            defaults={"user": user, "organisation": organisation},
                        )
                        lines.append(f"  portail     {email}")
        self.stdout.write("Données de démonstration prêtes (démo uniquement).")
        self.stdout.write(f"Mot de passe de tous les comptes : {DEMO_PASSWORD}")
        self.stdout.write(
            f"Double authentification du personnel : clé TOTP {DEMO_TOTP_SECRET} "
            "(ou « python manage.py demo_totp <adresse> » affiche le code du moment)."
        )
        self.stdout.write("\n".join(lines))
