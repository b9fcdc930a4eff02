from django import forms


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="Pour le reconnaître, par exemple le logiciel qui l'utilise : « rdv-insertion ».",
        error_messages={"required": "Donnez un nom à ce jeton."},
    )
