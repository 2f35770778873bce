#!/bin/bash
# Initialisation de PostgreSQL (image officielle postgres:16) : exécuté UNE SEULE FOIS, quand le
# volume de données est vide, depuis /docker-entrypoint-initdb.d/ (sourcé si non exécutable).
#
# Deux rôles, jamais superutilisateurs ni BYPASSRLS :
#   bilan_owner  propriétaire de la base et du schéma public : lance les migrations (DDL) ;
#   bilan_app    rôle de l'application (web, worker, beat) : CONNECT, USAGE sur public et,
#                par privilèges par défaut, SELECT/INSERT/UPDATE/DELETE sur les tables et
#                USAGE/SELECT sur les séquences que crée bilan_owner. Aucun droit DDL.
# Les mots de passe viennent de BILAN_OWNER_PASSWORD et BILAN_APP_PASSWORD (lus par \getenv,
# donc jamais sur une ligne de commande) ; POSTGRES_USER / POSTGRES_DB sont fournis par l'image.
set -e

: "${POSTGRES_USER:?POSTGRES_USER manquant}"
: "${POSTGRES_DB:?POSTGRES_DB manquant}"
: "${BILAN_OWNER_PASSWORD:?BILAN_OWNER_PASSWORD est obligatoire}"
: "${BILAN_APP_PASSWORD:?BILAN_APP_PASSWORD est obligatoire}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'EOSQL'
\getenv db POSTGRES_DB
\getenv owner_password BILAN_OWNER_PASSWORD
\getenv app_password BILAN_APP_PASSWORD

CREATE ROLE bilan_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
CREATE ROLE bilan_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';

-- La base et le schéma public appartiennent à bilan_owner (migrations).
ALTER DATABASE :"db" OWNER TO bilan_owner;
ALTER SCHEMA public OWNER TO bilan_owner;

-- Personne d'autre ne se connecte ni ne crée d'objet dans public.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Rôle applicatif : connexion, accès au schéma, données mais pas de structure.
GRANT CONNECT ON DATABASE :"db" TO bilan_app;
GRANT USAGE ON SCHEMA public TO bilan_app;
ALTER DEFAULT PRIVILEGES FOR ROLE bilan_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO bilan_app;
ALTER DEFAULT PRIVILEGES FOR ROLE bilan_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO bilan_app;
EOSQL
