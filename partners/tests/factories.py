import factory
from django.contrib.auth import get_user_model

from partners.models import Channel, Membership, Organization, OrganizationKind
from partners.services import api_key_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct-horse-battery")  # hashed before the save, not after it


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = OrganizationKind.PARTNER
    territories = factory.LazyFunction(lambda: ["TH", "SG"])
    languages = factory.LazyFunction(lambda: ["en", "th"])


class LicensorFactory(OrganizationFactory):
    kind = OrganizationKind.LICENSOR
    territories = factory.LazyFunction(lambda: ["CN"])
    languages = factory.LazyFunction(lambda: ["zh-Hans"])


class OperatorFactory(OrganizationFactory):
    kind = OrganizationKind.OPERATOR


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "viewer"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Channel {n}")
    slug = factory.Sequence(lambda n: f"channel-{n}")
    territories = factory.LazyFunction(lambda: ["TH"])
    languages = factory.LazyFunction(lambda: ["th"])


def api_key_for(organization, **kwargs) -> str:
    """Issue a key for `organization` and return the raw key."""
    return api_key_create(organization=organization, name=kwargs.pop("name", "test"), **kwargs).raw_key
