import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm, PasswordResetForm
from django.core.validators import validate_email

from agents.invitations import open_invitation_for, territory_agents
from agents.login_throttle import ThrottledLoginMixin
from agents.models import Agent
from agents.tasks import send_password_reset_mail
from territories.changes import EditFormMixin
from territories.filters import add_organisation_filter
from territories.models import AccessLevel, AgentRole, Organisation, Service, TerritoryAdmin
from territories.permissions import LEVEL_DESCRIPTIONS, is_intervenant_only
from territories.queries import active_services


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class QueuedPasswordResetForm(PasswordResetForm):
    """The reset mail is built and sent by Celery, so a slow mail provider never
    blocks the page; the same answer is shown whether the address exists or not.
    Intervenants never log in: no mail for them (and the same answer)."""

    email = forms.EmailField(
        label="Adresse e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        return (agent for agent in super().get_users(email) if not is_intervenant_only(agent))

    def save(self, **kwargs) -> None:
        for agent in self.get_users(self.cleaned_data["email"]):
            send_password_reset_mail.delay_on_commit(agent.pk)


ONE_ADDRESS_ONLY = (
    "Vous devez inviter les agents un par un : saisissez une seule adresse e-mail. "
    "Il n'est pas possible d'envoyer des invitations à plusieurs adresses simultanément."
)
_SEPARATORS = re.compile(r"[,;\s]+")


class JoiningForm(forms.Form):
    """The services and organisations of someone joining the territory (invited, or
    created as an intervenant), narrowed to the territory."""

    services = forms.ModelMultipleChoiceField(
        label="Services",
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un service."},
    )
    organisations = forms.ModelMultipleChoiceField(
        label="Organisations",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une organisation."},
    )

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["services"].queryset = active_services(territory)
        self.fields["organisations"].queryset = Organisation.objects.filter(territory=territory)


class InvitationForm(JoiningForm):
    field_order = ["email", "services", "organisations"]

    email = forms.CharField(
        label="Adresse e-mail de l'agent",
        max_length=254,
        help_text="Une seule adresse : les agents sont invités un par un.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, territory=territory, **kwargs)
        self.pending_invitation = None

    def clean_email(self) -> str:
        raw = self.cleaned_data["email"].strip()
        parts = [part for part in _SEPARATORS.split(raw) if part]
        if len(parts) > 1 or raw.count("@") > 1:
            raise forms.ValidationError(ONE_ADDRESS_ONLY, code="several_addresses")
        email = raw.lower()
        validate_email(email)
        if territory_agents(self.territory).filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "Cette adresse appartient déjà à un agent de cet espace.", code="member"
            )
        pending = open_invitation_for(self.territory, email)
        if pending is not None and not pending.is_expired:
            self.pending_invitation = pending
            raise forms.ValidationError(
                "Une invitation est déjà en cours pour cette adresse : "
                "renvoyez-la plutôt que d'en créer une nouvelle.",
                code="pending",
            )
        return email


class IntervenantForm(JoiningForm):
    """An intervenant: a name is enough (no login, so no invitation and no password)."""

    field_order = ["first_name", "last_name", "email", "services", "organisations"]

    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(
        label="Nom", max_length=150, error_messages={"required": "Indiquez le nom."}
    )
    email = forms.EmailField(
        label="Adresse e-mail (facultative)",
        required=False,
        help_text="Elle ne sert pas à se connecter : un intervenant n'a pas d'accès.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, territory=territory, **kwargs)
        self.fields[
            "services"
        ].help_text = "Les motifs de ces services pourront être réservés dans son agenda."


class AcceptInvitationForm(BaseUserCreationForm):
    """First name, last name and password of a new account (Django's validators)."""

    class Meta:
        model = Agent
        fields = ["first_name", "last_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].required = True
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"


class AgentForm(EditFormMixin, forms.Form):
    """Services, access level per organisation (or none) and territory admin role."""

    services = forms.ModelMultipleChoiceField(
        label="Services",
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Seuls les services actifs de l'espace sont proposés.",
        error_messages={"required": "Choisissez au moins un service."},
    )
    is_territory_admin = forms.BooleanField(
        label="Administrateur d'espace",
        required=False,
        help_text="Peut configurer tout l'espace : agents, motifs, services, organisations…",
    )

    def __init__(self, *args, territory, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = active_services(territory)
        self.organisations = list(Organisation.objects.filter(territory=territory))
        levels = {
            role.organisation_id: role.access_level
            for role in AgentRole.objects.filter(agent=agent, organisation__territory=territory)
        }
        for organisation in self.organisations:
            self.fields[f"organisation_{organisation.pk}"] = forms.ChoiceField(
                label=organisation.name,
                choices=[("", "Pas membre"), *AccessLevel.choices],
                required=False,
                initial=levels.get(organisation.pk, ""),
            )
        self.level_descriptions = [
            (label, LEVEL_DESCRIPTIONS[level]) for level, label in AccessLevel.choices
        ]
        assigned = set(
            agent.service_assignments.filter(territory=territory).values_list(
                "service_id", flat=True
            )
        )
        self.initial.setdefault("services", list(assigned))
        if assigned - set(self.fields["services"].queryset.values_list("pk", flat=True)):
            # The agent keeps a deactivated service (update_agent leaves it as it is):
            # the rest of the form can change without adding an active one first.
            self.fields["services"].required = False
        self.initial.setdefault(
            "is_territory_admin",
            TerritoryAdmin.objects.filter(agent=agent, territory=territory).exists(),
        )

    def organisation_fields(self):
        return [self[f"organisation_{organisation.pk}"] for organisation in self.organisations]

    def levels(self) -> dict[Organisation, str | None]:
        return {
            organisation: self.cleaned_data.get(f"organisation_{organisation.pk}") or None
            for organisation in self.organisations
        }

    def clean(self):
        cleaned = super().clean()
        if self.organisations and not any(self.levels().values()):
            raise forms.ValidationError(
                "L'agent doit rester membre d'au moins une organisation. Pour le retirer "
                "de l'espace, utilisez « Retirer de l'espace »."
            )
        return cleaned


class AgentFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", "Tous"),
        ("active", "Agents actifs"),
        ("pending", "Invitations en attente"),
        ("expired", "Invitations expirées"),
    ]

    q = forms.CharField(label="Nom ou adresse e-mail", required=False)
    service = forms.ModelChoiceField(
        label="Service", queryset=Service.objects.none(), required=False, empty_label="Tous"
    )
    organisation = forms.Field(required=False)  # set in __init__; declared for its place
    status = forms.ChoiceField(label="Statut", choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(
            territory_services__territory=territory
        ).order_by("name")
        add_organisation_filter(self, territory, empty_label="Toutes")
