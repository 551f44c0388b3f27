# The application image used by every service in docker-compose.yml (web, worker, beat).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RCM_ENV=production
WORKDIR /app
COPY pyproject.toml README.md ./
COPY rcm ./rcm
COPY billing ./billing
COPY coding ./coding
COPY claims ./claims
COPY payments ./payments
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput
RUN useradd --create-home rcm && mkdir -p /app/var && chown -R rcm /app/var
USER rcm
EXPOSE 8000
CMD ["gunicorn", "rcm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--no-control-socket"]
