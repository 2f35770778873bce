# syntax=docker/dockerfile:1
# Image unique de Bilan : le même build sert au web (gunicorn), au worker et au beat Celery
# (voir docker/entrypoint.sh et docker-compose.yml).
FROM python:3.12-slim-bookworm

# uv est épinglé pour des builds reproductibles ; uv.lock fixe le reste.
ARG UV_VERSION=0.13.9

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    DJANGO_SETTINGS_MODULE=bilan.settings.base \
    BILAN_DATA_DIR=/app/var \
    PRIVATE_ROOT=/app/var/private \
    PATH="/app/.venv/bin:${PATH}"

# Bibliothèques d'exécution de WeasyPrint (PDF, à venir) et gettext pour compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        gettext \
    && rm -rf /var/lib/apt/lists/*

RUN pip install "uv==${UV_VERSION}"

# Utilisateur non root ; le code reste à root (lecture seule), seul /app/var est inscriptible.
RUN groupadd --system --gid 1000 bilan \
    && useradd --system --uid 1000 --gid bilan --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin bilan

WORKDIR /app

# Dépendances d'abord (couche mise en cache tant que pyproject.toml / uv.lock ne changent pas).
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.12

# Puis le code (.dockerignore exclut .venv, var, staticfiles, .git, .env...).
COPY . .

# Traductions et fichiers statiques (manifest WhiteNoise) produits au build, avec une clé factice :
# aucune base n'est ouverte à ce stade. compilemessages parcourt tout l'arbre : on ignore .venv.
RUN SECRET_KEY=build-only-dummy-key python manage.py compilemessages --ignore=.venv --ignore=staticfiles \
    && SECRET_KEY=build-only-dummy-key python manage.py collectstatic --noinput \
    && chmod 0755 /app/docker/entrypoint.sh \
    && install -d -o bilan -g bilan -m 0750 /app/var /app/var/private

USER bilan

EXPOSE 8000

# /healthz renvoie 503 si la base est injoignable (urlopen lève alors une erreur => exit 1).
# L'en-tête Host reprend la première entrée de ALLOWED_HOSTS, sinon Django répondrait 400
# dès que ALLOWED_HOSTS ne contient pas 127.0.0.1 ; /healthz est exempté de la redirection HTTPS.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = [x.strip().lstrip('.') for x in os.environ.get('ALLOWED_HOSTS', '').split(',') if x.strip() not in ('', '*')]; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h[0] if h else '127.0.0.1'}), timeout=8)"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Sans migration : `docker run <image>` sert l'application ; `web` migre d'abord (voir entrypoint).
CMD ["gunicorn", "bilan.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--worker-tmp-dir", "/dev/shm"]
