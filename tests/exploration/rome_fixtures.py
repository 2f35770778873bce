"""A tiny ROME for page and pistes tests (the full load is tested once, in test_rome)."""

import datetime as dt

from exploration.models import (
    Appellation,
    CentreInteret,
    Competence,
    ContexteTravail,
    Fiche,
    FicheCompetence,
    Mobilite,
    RomeVersion,
)
from exploration.selectors.rome import normaliser


def petit_rome() -> dict[str, Fiche]:
    RomeVersion.objects.create(
        numero=60, titre="ROME 4.0 version 60 - 25M09", publiee_le=dt.date(2025, 9, 18)
    )
    boulanger = Fiche.objects.create(
        code="D1102",
        libelle="Boulanger / Boulangère",
        definition="Prépare et façonne les pâtes à pain.",
        acces="Cet emploi est accessible avec un CAP Boulanger.",
        riasec_majeur="R",
        riasec_mineur="C",
        domaine_code="D11",
        domaine_libelle="Commerce alimentaire",
        grand_domaine_libelle="Commerce",
    )
    patissier = Fiche.objects.create(
        code="D1104",
        libelle="Pâtissier / Pâtissière",
        riasec_majeur="R",
        riasec_mineur="A",
        domaine_code="D11",
        domaine_libelle="Commerce alimentaire",
        grand_domaine_libelle="Commerce",
    )
    infirmier = Fiche.objects.create(
        code="J1506",
        libelle="Infirmier / Infirmière en soins généraux (IDE)",
        riasec_majeur="S",
        riasec_mineur="I",
        domaine_code="J15",
        domaine_libelle="Soins",
        grand_domaine_libelle="Santé",
    )
    for code, libelle, fiche, principale in [
        (1, "Boulanger / Boulangère", boulanger, True),
        (2, "Boulanger-pâtissier / Boulangère-pâtissière", boulanger, False),
        (3, "Pâtissier / Pâtissière", patissier, True),
        (4, "Infirmier / Infirmière en soins généraux (IDE)", infirmier, True),
    ]:
        Appellation.objects.create(
            code_ogr=code,
            libelle=libelle,
            fiche=fiche,
            principale=principale,
            recherche=normaliser(libelle),
        )
    items = [
        (10, "Pétrir manuellement ou mécaniquement des pâtes", "savoir_faire", "principale"),
        (11, "Défourner des pains et viennoiseries", "savoir_faire", "principale"),
        (12, "Utiliser des outils numériques de gestion", "savoir_faire", "emergente"),
        (13, "Accueillir un client", "savoir_faire", ""),
        (14, "Règles d'hygiène alimentaire", "savoir", "principale"),
        (15, "Faire preuve de rigueur", "savoir_etre", ""),
    ]
    for ogr, libelle, nature, coeur in items:
        competence = Competence.objects.create(
            code_ogr=ogr,
            libelle=libelle,
            nature=nature,
            groupe="Savoir-faire techniques" if nature == "savoir_faire" else "Normes et procédés",
        )
        FicheCompetence.objects.create(fiche=boulanger, competence=competence, coeur=coeur)
    contexte = ContexteTravail.objects.create(
        code_ogr=99, libelle="Travail de nuit", type_libelle="Horaires et durée du travail"
    )
    boulanger.contextes.add(contexte)
    centre = CentreInteret.objects.create(code=1, libelle="J'aime le travail manuel")
    boulanger.centres_interet.add(centre)
    Mobilite.objects.create(source=boulanger, cible=patissier, ordre=1)
    return {"boulanger": boulanger, "patissier": patissier, "infirmier": infirmier}
