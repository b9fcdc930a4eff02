from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from agents.tasks import send_password_reset_mail


class LoginForm(AuthenticationForm):
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
    blocks the page; the same answer is shown whether the address exists or not."""

    email = forms.EmailField(
        label="Adresse e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def save(self, **kwargs) -> None:
        for agent in self.get_users(self.cleaned_data["email"]):
            send_password_reset_mail.delay_on_commit(agent.pk)
