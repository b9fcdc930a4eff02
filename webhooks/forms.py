from datetime import timedelta

from django import forms
from django.utils import timezone

from territories.changes import EditFormMixin
from territories.models import Organisation
from webhooks.event_types import ALL, GROUPS, PING, RDVSP_SUBSCRIPTIONS, subscription_choices
from webhooks.models import DeliveryStatus, Endpoint, EndpointFormat
from webhooks.queries import LIMIT_MESSAGE, endpoint_limit_reached
from webhooks.targets import validate_target_url


class EndpointForm(EditFormMixin, forms.ModelForm):
    url = forms.URLField(
        label="Adresse (URL) de réception",
        max_length=500,
        assume_scheme="https",
        help_text="Adresse https de votre logiciel, par exemple https://exemple.fr/webhooks",
        error_messages={"invalid": "Saisissez une adresse web valide, commençant par https://"},
    )
    format = forms.ChoiceField(
        label="Format des envois",
        choices=EndpointFormat.choices,
        initial=EndpointFormat.STANDARD,
        # A client that never saw the choice (a script) keeps the endpoint's format, or
        # for a new one the recommended format.
        required=False,
        widget=forms.RadioSelect,
        help_text=(
            "Choisissez « RDV Service Public » seulement si votre logiciel recevait déjà les "
            "webhooks de RDV Service Public (RDV-Solidarités), comme rdv-insertion : il "
            "continuera de fonctionner sans modification (un objet par envoi, signé par "
            "l'en-tête X-Lapin-Signature). Sinon, gardez « Standard Webhooks », le format "
            "recommandé, documenté et vérifiable avec des bibliothèques existantes."
        ),
    )
    event_types = forms.MultipleChoiceField(
        label="Événements transmis (format Standard Webhooks)",
        choices=subscription_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ALL],
        required=False,
    )
    rdvsp_subscriptions = forms.MultipleChoiceField(
        label="Objets transmis (format RDV Service Public)",
        choices=RDVSP_SUBSCRIPTIONS,
        widget=forms.CheckboxSelectMultiple,
        initial=[name for name, _ in RDVSP_SUBSCRIPTIONS],
        required=False,
        help_text=(
            "Les noms d'abonnement de RDV Service Public. Un motif partagé par plusieurs "
            "organisations est envoyé une fois par organisation."
        ),
    )
    # The queryset is the territory's, set in __init__ (never the global table).
    organisations = forms.ModelMultipleChoiceField(
        label="Limiter aux organisations",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Aucune cochée : tous les événements de l'espace. Sinon, seuls ceux de ces "
            "organisations (et ceux de l'espace entier, comme l'activation d'un service)."
        ),
    )

    class Meta:
        model = Endpoint
        fields = [
            "url",
            "description",
            "format",
            "event_types",
            "rdvsp_subscriptions",
            "organisations",
            "legacy_signature",
        ]
        labels = {
            "description": "Description",
        }
        help_texts = {
            "description": "Pour vous y retrouver, par exemple « Logiciel de suivi du CD ».",
            "legacy_signature": (
                "Signature hexadécimale HMAC-SHA256 du corps, comme RDV-Solidarités. Toujours "
                "présente dans le format RDV Service Public."
            ),
        }

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["organisations"].queryset = Organisation.objects.filter(
            territory=territory
        ).order_by("name")
        if self.instance.pk is not None and self.instance.is_rdv_service_public:
            # The subscriptions are stored in one column, in the endpoint's format.
            self.initial["rdvsp_subscriptions"] = list(self.instance.event_types)
            self.initial["event_types"] = [ALL]

    def clean_url(self):
        url = self.cleaned_data["url"]
        validate_target_url(url)
        return url

    def clean_format(self):
        return self.cleaned_data["format"] or self.instance.format or EndpointFormat.STANDARD

    def clean_event_types(self):
        chosen = self.cleaned_data["event_types"]
        return [ALL] if ALL in chosen else chosen

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("format") == EndpointFormat.RDV_SERVICE_PUBLIC:
            # One column holds the subscriptions, in the endpoint's format.
            cleaned["event_types"] = cleaned.get("rdvsp_subscriptions")
            if not cleaned["event_types"]:
                self.add_error(
                    "rdvsp_subscriptions",
                    "Choisissez au moins un objet à transmettre au format RDV Service Public.",
                )
        elif "event_types" in cleaned and not cleaned["event_types"]:
            self.add_error("event_types", "Choisissez au moins un type d'événement.")
        if self.instance.pk is None and endpoint_limit_reached(self.territory):
            raise forms.ValidationError(LIMIT_MESSAGE)
        return cleaned

    def values(self) -> dict:
        """The endpoint's own fields, for the service (organisations are given apart)."""
        values = super().values()
        values.pop("organisations")
        values.pop("rdvsp_subscriptions")
        return values


class DisableForm(forms.Form):
    reason = forms.CharField(
        label="Raison (facultative)",
        max_length=250,
        required=False,
        help_text="Affichée sur la page du point de réception.",
    )


class RotateSecretForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label="Durée pendant laquelle l'ancien secret reste valable (heures)",
        min_value=0,
        max_value=168,
        initial=24,
        help_text=(
            "Pendant cette durée, chaque envoi porte deux signatures : le temps de mettre "
            "le nouveau secret dans votre logiciel. 0 si l'ancien secret a fuité."
        ),
        error_messages={
            "min_value": "La durée ne peut pas être négative.",
            "max_value": "La durée ne peut pas dépasser 168 heures (7 jours).",
        },
    )

    @property
    def overlap(self) -> timedelta:
        return timedelta(hours=self.cleaned_data["overlap_hours"])


class ResendFailedForm(forms.Form):
    since = forms.DateField(
        label="Renvoyer les envois en échec depuis le",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=lambda: timezone.localdate() - timedelta(days=7),
        error_messages={"invalid": "Indiquez une date valide."},
    )

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since > timezone.localdate():
            raise forms.ValidationError("La date ne peut pas être dans le futur.")
        return since


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Statut", choices=[("", "Tous")] + list(DeliveryStatus.choices), required=False
    )
    type = forms.ChoiceField(
        label="Objet",
        choices=[("", "Tous")] + [(g.key, g.label) for g in GROUPS] + [(PING, "Test")],
        required=False,
    )

    def filter(self, deliveries):
        if not self.is_valid():
            return deliveries
        if status := self.cleaned_data["status"]:
            deliveries = deliveries.filter(status=status)
        if kind := self.cleaned_data["type"]:
            if kind == PING:
                deliveries = deliveries.filter(event__type=PING)
            else:
                deliveries = deliveries.filter(event__type__startswith=f"{kind}.")
        return deliveries
