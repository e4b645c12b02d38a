FROM python:3.12-slim-bookworm

# Pango and fonts for WeasyPrint; gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

# matplotlib (the yearly report's charts) keeps its font cache where the app may write, not in /app.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MPLCONFIGDIR=/app/var/matplotlib
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .

COPY . .
# collectstatic needs settings to load; these values exist only during the build.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --home-dir /app app && mkdir -p /app/var && chown -R app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
