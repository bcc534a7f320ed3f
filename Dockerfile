# Production image: gunicorn web, Celery workers and beat share it (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=migu_platform.settings.production

RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 migu

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs settings to import; these throwaway values never reach a running container.
RUN DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(50))") \
    python manage.py collectstatic --noinput

USER migu
EXPOSE 8000
# Threaded workers keep partner connections alive between requests.
CMD ["gunicorn", "migu_platform.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "5", "--access-logfile", "-"]
