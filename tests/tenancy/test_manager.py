import uuid

import pytest
from django.http import Http404

from beneficiaires.models import Beneficiaire
from bilan.core.tenancy import TenantNotBoundError, get_for_organisation, tenant_context

pytestmark = pytest.mark.django_db


def test_default_manager_raises_without_an_active_organisation(world):
    with pytest.raises(TenantNotBoundError):
        Beneficiaire.objects.all()
    with pytest.raises(TenantNotBoundError):
        Beneficiaire.objects.filter(email="camille@exemple.test").exists()


def test_default_manager_only_sees_the_active_organisation(world):
    with tenant_context(world.org_a):
        assert list(Beneficiaire.objects.all()) == [world.beneficiaire_a]
    with tenant_context(world.org_b):
        assert list(Beneficiaire.objects.all()) == [world.beneficiaire_b]
        # Even an explicit filter on another organisation's id finds nothing.
        assert not Beneficiaire.objects.filter(organisation=world.org_a).exists()


def test_context_is_restored_after_the_block(world):
    with tenant_context(world.org_a):
        with tenant_context(world.org_b):
            assert Beneficiaire.objects.get() == world.beneficiaire_b
        assert Beneficiaire.objects.get() == world.beneficiaire_a
    with pytest.raises(TenantNotBoundError):
        Beneficiaire.objects.count()


def test_the_escape_hatch_is_still_confined_by_the_database(world):
    """Even the deliberately unfiltered manager only reaches the bound organisation's rows."""
    assert Beneficiaire.unscoped.count() == 0  # nothing bound: PostgreSQL shows nothing
    with tenant_context(world.org_a):
        assert list(Beneficiaire.unscoped.all()) == [world.beneficiaire_a]
    with tenant_context(world.org_b):
        assert list(Beneficiaire.unscoped.all()) == [world.beneficiaire_b]


def test_accessor_404s_across_organisations(world):
    with tenant_context(world.org_b), pytest.raises(Http404):
        get_for_organisation(
            Beneficiaire, organisation=world.org_b, public_id=world.beneficiaire_a.public_id
        )
    # Asking for A's object while B is bound is refused too, even naming organisation A.
    with tenant_context(world.org_b), pytest.raises(Http404):
        get_for_organisation(
            Beneficiaire, organisation=world.org_a, public_id=world.beneficiaire_a.public_id
        )
    with tenant_context(world.org_a):
        found = get_for_organisation(
            Beneficiaire, organisation=world.org_a, public_id=world.beneficiaire_a.public_id
        )
        assert found == world.beneficiaire_a
        with pytest.raises(Http404):
            get_for_organisation(Beneficiaire, organisation=world.org_a, public_id=uuid.uuid4())
        with pytest.raises(Http404):
            get_for_organisation(Beneficiaire, organisation=world.org_a, public_id="pas-un-uuid")


def test_system_check_flags_a_tenant_model_without_the_fail_closed_manager():
    from django.core.checks import run_checks

    assert not [e for e in run_checks() if e.id == "bilan.E001"]
