import re

from django.core import mail
from django.urls import reverse

from agents.tasks import send_password_reset_mail
from tests.factories import PASSWORD


def test_login_with_email_and_password_lands_on_the_territory_list(client, admin_agent):
    response = client.post(
        reverse("login"), {"username": "ALICE@exemple.fr", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("territories:list")
    assert "Drôme" in response.content.decode()


def test_wrong_password_gets_a_french_message(client, admin_agent):
    response = client.post(reverse("login"), {"username": "alice@exemple.fr", "password": "non"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()


def test_login_page_is_french(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="fr"' in html
    assert "Connexion à RDV Territoire" in html
    assert "Mot de passe oublié ?" in html


def test_logout_is_a_post_and_ends_the_session(admin_client, territory):
    response = admin_client.post(reverse("logout"))
    assert response.status_code == 302
    assert (
        admin_client.get(reverse("territories:dashboard", args=[territory.pk])).status_code == 302
    )


def test_password_reset_mail_has_a_working_link(client, admin_agent):
    send_password_reset_mail(admin_agent.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@exemple.fr"]
    assert message.subject == "Réinitialisation de votre mot de passe RDV Territoire"
    html = message.alternatives[0][0]
    link = re.search(r"http://[^\s]+/mot-de-passe/nouveau/[^\s]+/", message.body).group(0)
    assert link in html
    path = link.split("8000", 1)[1] if "8000" in link else link
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {
            "new_password1": "un-tout-nouveau-secret-2026",
            "new_password2": "un-tout-nouveau-secret-2026",
        },
    )
    assert response.status_code == 302
    admin_agent.refresh_from_db()
    assert admin_agent.check_password("un-tout-nouveau-secret-2026")


def test_password_reset_refuses_a_weak_password_in_french(client, admin_agent):
    send_password_reset_mail(admin_agent.pk)
    link = re.search(r"/mot-de-passe/nouveau/[^\s]+/", mail.outbox[0].body).group(0)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert "Ce mot de passe est trop court" in response.content.decode()


def test_password_reset_page_does_not_reveal_unknown_addresses(client, db):
    response = client.post(reverse("password_reset"), {"email": "personne@exemple.fr"}, follow=True)
    assert "Si un compte existe pour cette adresse" in response.content.decode()
    assert mail.outbox == []
