#!/bin/sh
# Point d'entrée de l'image Bilan.
#   web     migrations (rôle propriétaire) puis gunicorn
#   worker  worker Celery
#   beat    planificateur Celery (une seule instance !)
#   autre   exécuté tel quel (ex. : python manage.py createsuperuser)
# Les arguments qui suivent web/worker/beat sont ajoutés à la commande lancée.
set -eu

cd /app

case "${1:-}" in
  web)
    shift
    # Les migrations (DDL) tournent avec le rôle propriétaire de la base (bilan_owner) ;
    # gunicorn garde DATABASE_URL, le rôle applicatif bilan_app sans droit DDL.
    migrate_url="${MIGRATE_DATABASE_URL:-${DATABASE_URL:-}}"
    # Puis le référentiel ROME (idempotent : ignoré si cette version est déjà chargée).
    if [ -n "$migrate_url" ]; then
      DATABASE_URL="$migrate_url" python manage.py migrate --noinput
      DATABASE_URL="$migrate_url" python manage.py rome_charger
    else
      python manage.py migrate --noinput
      python manage.py rome_charger
    fi
    exec gunicorn bilan.wsgi:application \
      --bind 0.0.0.0:8000 \
      --workers "${GUNICORN_WORKERS:-3}" \
      --access-logfile - \
      --worker-tmp-dir /dev/shm \
      "$@"
    ;;
  worker)
    shift
    exec celery -A bilan worker -l info --concurrency 2 "$@"
    ;;
  beat)
    shift
    exec celery -A bilan beat -l info --schedule /tmp/celerybeat-schedule "$@"
    ;;
  "")
    echo "Usage : entrypoint.sh web|worker|beat|<commande> [arguments...]" >&2
    exit 64
    ;;
  *)
    exec "$@"
    ;;
esac
