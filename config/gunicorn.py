"""Gunicorn's settings in production (`gunicorn -c config/gunicorn.py config.wsgi`).

Gunicorn listens inside the compose network only: the reverse proxy (Caddy, see
docker-compose.yml) is the one published, and it sets X-Forwarded-For and
X-Forwarded-Proto itself. The access log names the client as the proxy saw it and
leaves out the query string, the referrer and the user agent; link tokens in paths
are masked by config.log_redaction like every other log record.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104  the compose network only
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
