FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir -e . \
    && DEBUG=False SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
# Processes run as an unprivileged user: the code and static files stay read-only to them.
RUN useradd --system --no-create-home --uid 10001 rdv \
    && mkdir -p /data/exports && chown rdv /data/exports  # the exports volume, theirs to write
USER rdv
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
