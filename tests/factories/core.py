import factory
from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from django.http import HttpRequest
from django.test import Client
from django.utils.text import slugify

from bilan.core.mfa import totp_enable
from bilan.core.models import Membership, Organisation, Role, User

TEST_PASSWORD = "Mot-de-passe-de-test-42"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    raison_sociale = factory.Sequence(lambda n: f"Organisme {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.raison_sociale))
    siret = "73282932000074"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.CONSULTANT


def staff_user(*, organisation: Organisation, role: str = Role.CONSULTANT, mfa: bool = True, **kw):
    """A member of ``organisation`` with TOTP enrolled (as every working staff account is)."""
    user = UserFactory(**kw)
    MembershipFactory(user=user, organisation=organisation, role=role)
    if mfa:
        totp_enable(user=user, secret=TEST_TOTP_SECRET)
    return user


def connecter_avec_mfa(client: Client, user: User) -> Client:
    """Log ``client`` in as ``user`` as if allauth's whole flow had run (password, then the
    second factor): the session carries allauth's records of both steps, which the staff MFA
    middleware checks. For tests that are not about the login itself."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    request = HttpRequest()
    request.session = session
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", type="totp")
    session.save()
    return client
