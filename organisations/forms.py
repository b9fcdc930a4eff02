from django import forms

from organisations.services import DUPLICATE_NAME
from territories.changes import EditFormMixin
from territories.models import Organisation, Service, Territory
from territories.queries import active_services


class ServiceStateForm(forms.Form):
    """Which catalogue service to activate (one not active here) or deactivate (one active)."""

    service = forms.ModelChoiceField(queryset=Service.objects.all(), widget=forms.HiddenInput)

    def __init__(self, *args, territory: Territory, activate: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.activate = activate

    def clean_service(self) -> Service:
        service = self.cleaned_data["service"]
        if active_services(self.territory).filter(pk=service.pk).exists() == self.activate:
            state = "activé" if self.activate else "désactivé"
            raise forms.ValidationError(
                f"Le service « {service} » est déjà {state} dans l'espace.", code="unchanged"
            )
        return service


class OrganisationForm(EditFormMixin, forms.ModelForm):
    website = forms.URLField(
        label="Site web",
        required=False,
        assume_scheme="https",
        help_text="Par exemple : https://www.exemple.fr",
    )

    class Meta:
        model = Organisation
        fields = ["name", "address", "phone", "email", "website", "opening_hours"]
        labels = {
            "name": "Nom",
            "address": "Adresse",
            "phone": "Téléphone",
            "email": "Adresse e-mail",
            "opening_hours": "Horaires d'ouverture",
        }
        help_texts = {
            "phone": "Un numéro français, par exemple : 04 75 00 00 00",
            "opening_hours": "Par exemple : du lundi au vendredi, 9 h – 12 h et 14 h – 17 h",
        }
        widgets = {"opening_hours": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, territory: Territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory

    def clean_name(self) -> str:
        # The database constraint is case-insensitive and involves the territory,
        # which is not a form field: check it here for a clear message.
        name = self.cleaned_data["name"].strip()
        clash = Organisation.objects.filter(territory=self.territory, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(DUPLICATE_NAME)
        return name


class ServiceRequestForm(forms.Form):
    """What the support staff need to add a service to the catalogue."""

    service_name = forms.CharField(
        label="Nom du service",
        max_length=200,
        help_text="Par exemple : Médiation numérique",
    )
    reason = forms.CharField(
        label="Pourquoi ce service ?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Ce que feront les agents de ce service, les motifs prévus.",
    )
    organisations = forms.ModelMultipleChoiceField(
        label="Organisations concernées",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Facultatif : les organisations où le service serait utilisé.",
    )

    def __init__(self, *args, territory: Territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(
            territory=territory
        ).order_by("name")

    def clean_service_name(self) -> str:
        name = " ".join(self.cleaned_data["service_name"].split())
        if not name:
            raise forms.ValidationError("Indiquez le nom du service.")
        return name
