from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from config.outbox import OutboxEmailBackend


def send_sample(settings):
    message = EmailMultiAlternatives(
        "Invitation à rejoindre la Drôme",
        "Bonjour, voici le lien.",
        to=["lea@exemple.fr"],
        reply_to=["admin@exemple.fr"],
    )
    message.attach_alternative("<p>Bonjour, <strong>voici</strong> le lien.</p>", "text/html")
    OutboxEmailBackend().send_messages([message])


def test_outbox_lists_and_renders_html_and_text(client, settings, db):
    settings.DEBUG = True
    send_sample(settings)
    listing = client.get(reverse("dev_outbox")).content.decode()
    assert "Invitation à rejoindre la Drôme" in listing
    name = next(settings.OUTBOX_DIR.glob("*.eml")).stem
    detail = client.get(reverse("dev_outbox_detail", args=[name])).content.decode()
    assert "Bonjour, voici le lien." in detail
    assert "&lt;strong&gt;voici&lt;/strong&gt;" in detail  # HTML part, in a sandboxed iframe
    assert "admin@exemple.fr" in detail


def test_outbox_is_not_served_outside_debug(client, settings, db):
    settings.DEBUG = False
    send_sample(settings)
    assert client.get(reverse("dev_outbox")).status_code == 404
    name = next(settings.OUTBOX_DIR.glob("*.eml")).stem
    assert client.get(reverse("dev_outbox_detail", args=[name])).status_code == 404


def test_outbox_detail_of_unknown_message_is_404(client, settings, db):
    settings.DEBUG = True
    assert client.get(reverse("dev_outbox_detail", args=["nexiste-pas"])).status_code == 404


def test_text_part_and_subject_are_not_html_escaped(db, settings):
    from django.core import mail

    from agents.tasks import send_password_reset_mail
    from tests.factories import AgentFactory

    agent = AgentFactory(first_name="Zoé <O'Neil>")
    send_password_reset_mail(agent.pk)
    message = mail.outbox[0]
    assert "Bonjour Zoé <O'Neil>," in message.body
    assert "Zoé &lt;O&#x27;Neil&gt;" in message.alternatives[0][0]
