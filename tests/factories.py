import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from register.models import Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Woningstichting Voorbeeld {n}")
    slug = factory.Sequence(lambda n: f"voorbeeld-{n}")
    dpo_name = "Petra Privacy"
    dpo_email = factory.LazyAttribute(lambda o: f"fg@{o.slug}.example")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("een-lang-wachtwoord")

    @factory.post_generation
    def role(self, create, name, **kwargs):
        if create and name:
            self.groups.add(Group.objects.get(name=name))

    @factory.post_generation
    def member_of(self, create, organisations, **kwargs):
        if create and organisations:
            for organisation in organisations:
                organisation.members.add(self)
