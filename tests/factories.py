import factory
from django.contrib.auth.models import Group, User

from reviews.models import EndUser, EntityType, ReviewQueueItem


class EndUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EndUser
        django_get_or_create = ("id",)

    id = factory.Sequence(lambda n: f"user-{n}")
    name = factory.Faker("name")
    role = EndUser.Role.USER
    last_ip = factory.Sequence(lambda n: f"203.0.113.{n % 250 + 1}")


class ModeratorFactory(EndUserFactory):
    id = factory.Sequence(lambda n: f"mod-{n}")
    role = EndUser.Role.MODERATOR


class ReviewQueueItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewQueueItem

    entity_type = EntityType.MESSAGE
    entity_id = factory.Sequence(lambda n: f"msg-{n}")
    entity_creator = factory.SubFactory(EndUserFactory)
    moderation_payload = factory.LazyFunction(lambda: {"texts": ["hello"]})
    content_text = "hello"
    has_text = True


class DashboardUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"dash-{n}")
    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "pw")
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
