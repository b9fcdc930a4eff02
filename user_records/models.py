from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django_scopes import ScopedManager

from territories.search import Fold
from territories.validators import validate_french_phone


class Affiliation(models.TextChoices):
    NONE = "aucune", "Aucune"
    CAF = "caf", "CAF"
    MSA = "msa", "MSA"


class FamilySituation(models.TextChoices):
    SINGLE = "single", "Célibataire"
    IN_COUPLE = "in_couple", "En couple"
    MARRIED = "married", "Marié(e)"
    PACSED = "pacsed", "Pacsé(e)"
    DIVORCED = "divorced", "Divorcé(e)"
    WIDOWED = "widowed", "Veuf ou veuve"


class HousingSituation(models.TextChoices):
    OWNER = "owner", "Propriétaire"
    TENANT = "tenant", "Locataire"
    HOSTED = "hosted", "Hébergé(e)"
    NO_HOME = "no_home", "Sans domicile"
    OTHER = "other", "Autre"


# Standard fields the search text holds, in its order (user_records/search.py).
SEARCHED_STANDARD_FIELDS = ["first_name", "last_name", "birth_name", "email", "case_number"]


class StandardSearchText(models.Func):
    """`user_record_standard_text(first_name, …, case_number)` (user_records/0004)."""

    function = "user_record_standard_text"
    output_field = models.TextField()

    def __init__(self):
        super().__init__(*[models.F(name) for name in SEARCHED_STANDARD_FIELDS])


class CustomSearchText(models.Func):
    """`user_record_custom_text(custom_values)` (user_records/0004)."""

    function = "user_record_custom_text"
    output_field = models.TextField()

    def __init__(self):
        super().__init__(models.F("custom_values"))


class PhoneDigits(models.Func):
    """`phone_digits(phone)` (user_records/0004): the digits only, as indexed."""

    function = "phone_digits"
    output_field = models.TextField()

    def __init__(self):
        super().__init__(models.F("phone"))


class UserRecord(models.Model):
    """A "fiche usager": a member of the public, known to the territory and followed by
    some of its organisations. Custom fields' values live in `custom_values`, keyed by the
    field's stable key."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.PROTECT,
        related_name="user_records",
        verbose_name="espace",
    )
    organisations = models.ManyToManyField(
        "territories.Organisation",
        related_name="user_records",
        blank=True,
        verbose_name="organisations",
    )
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    birth_name = models.CharField("nom de naissance", max_length=150, blank=True)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    email = models.EmailField("adresse e-mail", blank=True)
    phone = models.CharField(
        "téléphone", max_length=30, blank=True, validators=[validate_french_phone]
    )
    address = models.CharField("adresse", max_length=300, blank=True)
    address_details = models.CharField("complément d'adresse", max_length=300, blank=True)
    notes = models.TextField("remarques", blank=True)
    affiliation = models.CharField(
        "caisse d'affiliation", max_length=10, choices=Affiliation.choices, blank=True
    )
    affiliation_number = models.CharField("numéro d'allocataire", max_length=50, blank=True)
    family_situation = models.CharField(
        "situation familiale", max_length=20, choices=FamilySituation.choices, blank=True
    )
    number_of_children = models.PositiveSmallIntegerField("nombre d'enfants", null=True, blank=True)
    housing_situation = models.CharField(
        "situation de logement", max_length=20, choices=HousingSituation.choices, blank=True
    )
    case_number = models.CharField("numéro de dossier", max_length=50, blank=True)
    # How the usager wants to be told of their RDVs (confirmations, changes, reminders):
    # the address or number must be known as well.
    notify_by_email = models.BooleanField("prévenir par e-mail", default=True)
    notify_by_sms = models.BooleanField("prévenir par SMS", default=True)
    custom_values = models.JSONField("champs personnalisés", default=dict, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    # Folded text (lower case, no accents) kept by PostgreSQL for the search indexes.
    search_standard = models.GeneratedField(
        expression=StandardSearchText(),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name="texte de recherche (champs standards)",
    )
    search_custom = models.GeneratedField(
        expression=CustomSearchText(),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name="texte de recherche (champs personnalisés)",
    )

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "fiche usager"
        verbose_name_plural = "fiches usagers"
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            # The list's order, pk last: pages are read from a position in it (keyset).
            models.Index(
                fields=["territory", "last_name", "first_name", "id"], name="user_record_list_order"
            ),
            GinIndex(
                fields=["search_standard"], opclasses=["gin_trgm_ops"], name="user_record_text_trgm"
            ),
            GinIndex(
                fields=["search_custom"], opclasses=["gin_trgm_ops"], name="user_record_custom_trgm"
            ),
            GinIndex(OpClass(PhoneDigits(), name="gin_trgm_ops"), name="user_record_phone_trgm"),
            # Who a person is (folded names): finding the same person again (online
            # booking) and probable duplicates, user_records/duplicates.py.
            models.Index(
                "territory",
                Fold("last_name"),
                Fold("first_name"),
                name="user_record_identity",
            ),
            # The retention period runs from the last change (user_records/retention.py).
            models.Index(fields=["territory", "updated_at"], name="user_record_last_change"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RetentionPeriod(models.IntegerChoices):
    """How long a user record is kept after its last RDV or change, in months."""

    SIX_MONTHS = 6, "6 mois"
    ONE_YEAR = 12, "1 an"
    TWO_YEARS = 24, "2 ans"
    THREE_YEARS = 36, "3 ans"
    FIVE_YEARS = 60, "5 ans"


class UserRecordSettings(models.Model):
    """The territory's choices about its user records: which standard fields are hidden,
    how long records are kept.

    Hiding a field only hides it: the values stay in the rows and come back when the
    field is shown again."""

    territory = models.OneToOneField(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="user_record_settings",
        verbose_name="espace",
    )
    hidden_fields = models.JSONField("champs standards masqués", default=list, blank=True)
    retention_months = models.PositiveSmallIntegerField(
        "durée de conservation",
        choices=RetentionPeriod.choices,
        default=RetentionPeriod.TWO_YEARS,
    )
    # The nightly clean-up starts only once an admin has seen what it would delete.
    retention_started_at = models.DateTimeField(
        "suppression automatique activée le", null=True, blank=True
    )
    updated_at = models.DateTimeField("modifiés le", auto_now=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "réglages des fiches usagers"
        verbose_name_plural = "réglages des fiches usagers"

    def __str__(self) -> str:
        return f"Réglages des fiches usagers — {self.territory}"


class DuplicateReason(models.TextChoices):
    BIRTH_DATE = "birth_date", "Mêmes nom, prénom et date de naissance"
    EMAIL = "email", "Mêmes nom, prénom et adresse e-mail"
    PHONE = "phone", "Mêmes nom, prénom et téléphone"


class DuplicatePair(models.Model):
    """Two user records that probably describe one person, found when one of them was
    written (user_records/duplicates.py): the "Doublons probables" screen lists these
    rows instead of comparing 500,000 records on every visit. `first` has the smaller pk.
    A merge or a deletion removes the pair with its records (CASCADE)."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="duplicate_pairs",
        verbose_name="espace",
    )
    first = models.ForeignKey(
        UserRecord, on_delete=models.CASCADE, related_name="+", verbose_name="première fiche"
    )
    second = models.ForeignKey(
        UserRecord, on_delete=models.CASCADE, related_name="+", verbose_name="seconde fiche"
    )
    reason = models.CharField("raison", max_length=20, choices=DuplicateReason.choices)
    # "Ce ne sont pas des doublons": kept, so that the pair is not flagged again.
    dismissed_at = models.DateTimeField("écarté le", null=True, blank=True)
    created_at = models.DateTimeField("détecté le", auto_now_add=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "doublon probable"
        verbose_name_plural = "doublons probables"
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="unique_duplicate_pair"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [
            # The screen's list: open pairs of the territory, newest first (keyset on pk).
            models.Index(
                fields=["territory", "-id"],
                name="duplicate_pair_open",
                condition=models.Q(dismissed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} / {self.second_id}"


class CustomFieldType(models.TextChoices):
    SHORT_TEXT = "short_text", "Texte court"
    LONG_TEXT = "long_text", "Texte long"
    NUMBER = "number", "Nombre"
    DATE = "date", "Date"
    YES_NO = "yes_no", "Oui / non"
    SINGLE_CHOICE = "single_choice", "Choix unique"
    MULTIPLE_CHOICE = "multiple_choice", "Choix multiples"


CHOICE_TYPES = {CustomFieldType.SINGLE_CHOICE, CustomFieldType.MULTIPLE_CHOICE}


DUPLICATE_LABEL_MESSAGE = (
    "Un champ personnalisé actif porte déjà ce libellé (majuscules et accents mis à part) : "
    "choisissez un autre libellé."
)


class CustomField(models.Model):
    """A field the territory adds to its user records. Values live in
    `UserRecord.custom_values[key]`; `key` is generated once and never changes, so
    renaming the label keeps the values and what webhook consumers receive."""

    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="custom_fields",
        verbose_name="espace",
    )
    key = models.SlugField("clé", max_length=60, editable=False)
    label = models.CharField("libellé", max_length=150)
    field_type = models.CharField("type", max_length=20, choices=CustomFieldType.choices)
    help_text = models.CharField("texte d'aide", max_length=300, blank=True)
    required = models.BooleanField("obligatoire", default=False)
    choices = models.JSONField("choix", default=list, blank=True)
    position = models.PositiveIntegerField("position", default=0)
    asked_in_booking = models.BooleanField("demandé lors de la réservation en ligne", default=False)
    archived_at = models.DateTimeField("archivé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "champ personnalisé"
        verbose_name_plural = "champs personnalisés"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "key"], name="unique_custom_field_key"),
            # Two live fields with one label (accents and case aside) would show two
            # identical inputs on the agents' form.
            models.UniqueConstraint(
                "territory",
                Fold("label"),
                condition=models.Q(archived_at__isnull=True),
                name="unique_active_custom_field_label",
                violation_error_message=DUPLICATE_LABEL_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def has_choices(self) -> bool:
        return self.field_type in CHOICE_TYPES
