"""The demo shows non-empty Qualiopi results: abandonments with coded causes, follow-ups with
coded outcomes, completion per dossier (rule 29)."""

from io import StringIO

import pytest
from django.core.management import call_command

from bilan.core.models import Organisation
from bilan.core.tenancy import tenant_context
from qualiopi.selectors.resultats import periode_par_defaut, resultats_periode

pytestmark = pytest.mark.django_db


def test_regle_29_the_demo_results_are_not_empty():
    call_command("seed_demo", stdout=StringIO())
    debut, fin = periode_par_defaut()
    for organisation in Organisation.objects.all():
        with tenant_context(organisation):
            r = resultats_periode(organisation=organisation, debut=debut, fin=fin)
        assert r.abandonnes == 3
        assert {code for code, _l, _n in r.causes_abandon} == {
            "reprise_emploi",
            "sante",
            "disponibilite",
        }
        assert r.termines >= 2
        assert {code for code, _l, _n in r.resultats_suivi} >= {"en_formation", "en_emploi_projet"}
        assert r.realisation
        assert r.satisfaction_chaud.repondues >= 1
