"""The benchmark volume generator (``manage.py bench_generer``) in its tiny mode."""

import pytest
from django.core.management import call_command

from beneficiaires.models import Bilan
from bilan.core.models import Organisation
from bilan.core.tenancy import tenant_context
from espaces.management.commands.bench_generer import GRAND
from seances.models import Seance


@pytest.mark.django_db
def test_generateur_mini_ecrit_sous_rls_et_respecte_les_24_heures():
    call_command("bench_generer", mini=True)
    assert Organisation.objects.filter(slug__startswith="bench-").count() == 3
    grand = Organisation.objects.get(slug=GRAND)
    with tenant_context(grand):
        assert Bilan.objects.count() == 40
        assert Seance.objects.exists()
        # The trigger kept the counted minutes, and the 24 hours hold.
        assert Bilan.objects.filter(minutes_comptees__gt=0).exists()
        assert not Bilan.objects.filter(minutes_comptees__gt=24 * 60).exists()
