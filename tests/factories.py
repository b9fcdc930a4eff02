"""Factories for every model. They build across territories by themselves (set-up may
touch any territory); test bodies query inside `scope(territory=…)` like the code does."""

from datetime import time, timedelta

import factory
from django.utils import timezone
from django_scopes import scopes_disabled
from factory.django import DjangoModelFactory as BaseModelFactory

from agents.models import INVITATION_VALIDITY, Agent, Invitation, hash_token
from api.models import TOKEN_PREFIX, ApiToken
from api.models import hash_token as api_hash_token
from availability.models import Absence, AvailabilityRange
from exports.models import LIFETIME, Export, ExportKind
from motifs.models import Motif
from rdv_settings.models import RdvSettings
from rdvs.models import Rdv, RdvAgent
from territories.models import (
    AccessLevel,
    AgentRole,
    AgentService,
    AuditEntry,
    Organisation,
    Service,
    Territory,
    TerritoryAdmin,
    TerritoryService,
)
from user_records.models import (
    CustomField,
    CustomFieldType,
    DuplicatePair,
    UserRecord,
    UserRecordSettings,
)
from webhooks import signing
from webhooks.models import Delivery, Endpoint, Event

PASSWORD = "mot-de-passe-de-test-42"


class DjangoModelFactory(BaseModelFactory):
    """Creates (sub-factories and post-generation included) with scopes disabled."""

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy, params):
        with scopes_disabled():
            return super()._generate(strategy, params)


class TerritoryFactory(DjangoModelFactory):
    class Meta:
        model = Territory

    name = factory.Sequence(lambda n: f"Territoire {n}")
    departement_number = factory.Sequence(lambda n: f"{(n % 95) + 1:02d}")


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Service {n}")
    short_name = factory.Sequence(lambda n: f"S{n}")


class TerritoryServiceFactory(DjangoModelFactory):
    class Meta:
        model = TerritoryService

    territory = factory.SubFactory(TerritoryFactory)
    service = factory.SubFactory(ServiceFactory)
    is_active = True


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Organisation {n}")
    address = "1 place de la Mairie, 26000 Valence"
    phone = "04 75 00 00 00"
    email = factory.Sequence(lambda n: f"organisation{n}@exemple.fr")


class AgentFactory(DjangoModelFactory):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)


class TerritoryAdminFactory(DjangoModelFactory):
    class Meta:
        model = TerritoryAdmin

    agent = factory.SubFactory(AgentFactory)
    territory = factory.SubFactory(TerritoryFactory)


class AgentRoleFactory(DjangoModelFactory):
    class Meta:
        model = AgentRole

    agent = factory.SubFactory(AgentFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    access_level = AccessLevel.BASIC


class AgentServiceFactory(DjangoModelFactory):
    class Meta:
        model = AgentService

    agent = factory.SubFactory(AgentFactory)
    territory = factory.SubFactory(TerritoryFactory)
    service = factory.SubFactory(ServiceFactory)


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    territory = factory.SubFactory(TerritoryFactory)
    type = "organisation.updated"
    payload = factory.LazyAttribute(lambda _: {"id": 1})


class AuditEntryFactory(DjangoModelFactory):
    class Meta:
        model = AuditEntry

    territory = factory.SubFactory(TerritoryFactory)
    actor = factory.SubFactory(AgentFactory)
    action = "organisation.updated"


class MotifFactory(DjangoModelFactory):
    class Meta:
        model = Motif
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryFactory)
    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Motif {n}")
    default_duration = 30

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organisations.set(extracted)


class UserRecordFactory(DjangoModelFactory):
    """`organisations=[…]`: the organisations that follow the record (whose agents see it)."""

    class Meta:
        model = UserRecord
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"usager{n}@exemple.fr")

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organisations.set(extracted)


class DuplicatePairFactory(DjangoModelFactory):
    """Two namesakes of one territory flagged as probable duplicates (first < second)."""

    class Meta:
        model = DuplicatePair

    territory = factory.SubFactory(TerritoryFactory)
    first = factory.LazyAttribute(lambda o: UserRecordFactory(territory=o.territory))
    second = factory.LazyAttribute(lambda o: UserRecordFactory(territory=o.territory))
    reason = "email"


class RdvFactory(DjangoModelFactory):
    class Meta:
        model = Rdv

    territory = factory.SubFactory(TerritoryFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, territory=factory.SelfAttribute("..territory")
    )
    motif = factory.SubFactory(MotifFactory, territory=factory.SelfAttribute("..territory"))
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + timedelta(days=1)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=30))


class RdvAgentFactory(DjangoModelFactory):
    class Meta:
        model = RdvAgent

    rdv = factory.SubFactory(RdvFactory)
    agent = factory.SubFactory(AgentFactory)
    starts_at = factory.SelfAttribute("rdv.starts_at")
    ends_at = factory.SelfAttribute("rdv.ends_at")


class CustomFieldFactory(DjangoModelFactory):
    class Meta:
        model = CustomField

    territory = factory.SubFactory(TerritoryFactory)
    key = factory.Sequence(lambda n: f"champ_{n}")
    label = factory.Sequence(lambda n: f"Champ {n}")
    field_type = CustomFieldType.SHORT_TEXT
    position = factory.Sequence(lambda n: n + 1)


class UserRecordSettingsFactory(DjangoModelFactory):
    class Meta:
        model = UserRecordSettings
        django_get_or_create = ["territory"]

    territory = factory.SubFactory(TerritoryFactory)
    hidden_fields = factory.LazyFunction(list)


class RdvSettingsFactory(DjangoModelFactory):
    class Meta:
        model = RdvSettings

    territory = factory.SubFactory(TerritoryFactory)
    context_enabled = True
    waiting_room_mode = "visual"


def rdv_with_agents(*agents, **kwargs) -> Rdv:
    """An RDV held by these agents (RdvAgent rows copied from the RDV), e.g. with
    `organisation=…, motif=…, user_records=[…]`."""
    user_records = kwargs.pop("user_records", [])
    rdv = RdvFactory(**kwargs)
    rdv.user_records.set(user_records)
    for agent in agents:
        RdvAgentFactory(rdv=rdv, agent=agent)
    return rdv


class AvailabilityRangeFactory(DjangoModelFactory):
    class Meta:
        model = AvailabilityRange
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, territory=factory.SelfAttribute("..territory")
    )
    agent = factory.SubFactory(AgentFactory)
    first_day = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=1))
    start_time = time(9, 0)
    end_time = time(12, 0)

    @factory.post_generation
    def motifs(self, create, extracted, **kwargs):
        if create and extracted:
            self.motifs.set(extracted)


class AbsenceFactory(DjangoModelFactory):
    class Meta:
        model = Absence

    territory = factory.SubFactory(TerritoryFactory)
    agent = factory.SubFactory(AgentFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))


class InvitationFactory(DjangoModelFactory):
    """A sent, pending invitation; its raw token is `invitation.token` (not stored)."""

    class Meta:
        model = Invitation
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryFactory)
    email = factory.Sequence(lambda n: f"invite{n}@exemple.fr")
    invited_by = factory.SubFactory(AgentFactory)
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(
        lambda o: o.sent_at + INVITATION_VALIDITY if o.sent_at else None
    )

    @factory.post_generation
    def token(self, create, extracted, **kwargs):
        self.token = extracted or f"jeton-de-test-{self.email}"
        self.token_hash = hash_token(self.token)
        if create:
            self.save(update_fields=["token_hash"])

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organisations.set(extracted)


class EndpointFactory(DjangoModelFactory):
    class Meta:
        model = Endpoint

    territory = factory.SubFactory(TerritoryFactory)
    url = factory.Sequence(lambda n: f"https://recepteur{n}.exemple.fr/webhooks")
    event_types = factory.LazyFunction(lambda: ["*"])
    secret = factory.LazyFunction(signing.generate_secret)


class DeliveryFactory(DjangoModelFactory):
    class Meta:
        model = Delivery

    endpoint = factory.SubFactory(EndpointFactory)
    territory = factory.SelfAttribute("endpoint.territory")
    event = factory.SubFactory(EventFactory, territory=factory.SelfAttribute("..territory"))
    webhook_id = factory.LazyFunction(signing.generate_webhook_id)
    next_attempt_at = factory.LazyFunction(timezone.now)
    dispatched_at = factory.LazyFunction(timezone.now)


class ExportFactory(DjangoModelFactory):
    """An export asked for and not yet built (its file is made by exports.tasks)."""

    class Meta:
        model = Export

    territory = factory.SubFactory(TerritoryFactory)
    requested_by = factory.SubFactory(AgentFactory)
    kind = ExportKind.USER_RECORDS
    expires_at = factory.LazyFunction(lambda: timezone.now() + LIFETIME)


class ApiTokenFactory(DjangoModelFactory):
    """A personal API token; its raw value is `token.raw` (only the digest is stored)."""

    class Meta:
        model = ApiToken
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryFactory)
    agent = factory.SubFactory(AgentFactory)
    name = factory.Sequence(lambda n: f"Logiciel {n}")
    token_hash = ""
    hint = ""

    @factory.post_generation
    def raw(self, create, extracted, **kwargs):
        self.raw = extracted or f"{TOKEN_PREFIX}jeton-de-test-{self.pk}"
        self.token_hash = api_hash_token(self.raw)
        self.hint = self.raw[-4:]
        if create:
            self.save(update_fields=["token_hash", "hint"])
