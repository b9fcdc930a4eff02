from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Messages envoyés"

    def ready(self) -> None:
        from anymail.signals import tracking

        from notifications.tracking import record_tracking_event

        # The provider's delivery reports (anymail's tracking webhook) update the log.
        tracking.connect(record_tracking_event, dispatch_uid="notifications.tracking")

        from notifications import retention

        # Past retention, the log forgets to whom it wrote (territories.retention).
        retention.register()
