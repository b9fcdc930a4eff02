from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django_scopes import ScopedManager

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
        "territories.Territory", on_delete=models.PROTECT, related_name="user_records"
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
    custom_values = models.JSONField("champs personnalisés", default=dict, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    # Folded text (lower case, no accents) kept by PostgreSQL for the search indexes.
    search_standard = models.GeneratedField(
        expression=StandardSearchText(), output_field=models.TextField(), db_persist=True
    )
    search_custom = models.GeneratedField(
        expression=CustomSearchText(), output_field=models.TextField(), db_persist=True
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
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class UserRecordSettings(models.Model):
    """The territory's choices about its user records: which standard fields are hidden.

    Hiding a field only hides it: the values stay in the rows and come back when the
    field is shown again."""

    territory = models.OneToOneField(
        "territories.Territory", on_delete=models.CASCADE, related_name="user_record_settings"
    )
    hidden_fields = models.JSONField("champs standards masqués", default=list, blank=True)
    updated_at = models.DateTimeField("modifiés le", auto_now=True)

    objects = ScopedManager(territory="territory")

    class Meta:
        verbose_name = "réglages des fiches usagers"
        verbose_name_plural = "réglages des fiches usagers"

    def __str__(self) -> str:
        return f"Réglages des fiches usagers — {self.territory}"


class CustomFieldType(models.TextChoices):
    SHORT_TEXT = "short_text", "Texte court"
    LONG_TEXT = "long_text", "Texte long"
    NUMBER = "number", "Nombre"
    DATE = "date", "Date"
    YES_NO = "yes_no", "Oui / non"
    SINGLE_CHOICE = "single_choice", "Choix unique"
    MULTIPLE_CHOICE = "multiple_choice", "Choix multiples"


CHOICE_TYPES = {CustomFieldType.SINGLE_CHOICE, CustomFieldType.MULTIPLE_CHOICE}


class CustomField(models.Model):
    """A field the territory adds to its user records. Values live in
    `UserRecord.custom_values[key]`; `key` is generated once and never changes, so
    renaming the label keeps the values and what webhook consumers receive."""

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="custom_fields"
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
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def has_choices(self) -> bool:
        return self.field_type in CHOICE_TYPES
