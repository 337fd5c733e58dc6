"""``graphe serve``: build the dataset if it is stale, then serve it (:mod:`graphe.server`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphe.errors import BadRequest


def register(sub) -> None:
    p = sub.add_parser("serve", help="servir le jeu de données (SPARQL, pages, /id/…)")
    p.set_defaults(func=run)
    return p  # its options: add_arguments, called by graphe.cli only when serve runs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``graphe serve``; defaults are the endpoint's (:class:`graphe.api.settings.Settings`)."""
    from graphe.api.settings import Settings
    from graphe.server import default_processes

    d = Settings.__dataclass_fields__
    parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (défaut: 8000)")
    parser.add_argument(
        "--processes", type=int, default=default_processes(),
        help="processus serveurs HTTP, qui se partagent le port (défaut: un par cœur, au plus 4 ; ici %(default)s)",
    )
    parser.add_argument(
        "--workers", type=int, default=d["workers"].default,
        help="processus d'évaluation des requêtes par processus serveur (défaut: %(default)s)",
    )
    parser.add_argument(
        "--store", default="oxigraph",
        help="moteur : oxigraph (défaut : selon la taille, oxigraph-memoire jusqu'à 64 Mo de N-Quads, "
             "oxigraph-disque au-delà), oxigraph-memoire (une copie en mémoire par processus de requêtes), "
             "oxigraph-disque (une base sur disque dans DIST/oxigraph, partagée par tous), oxigraph:DOSSIER, "
             "rdflib (référence) ou l'URL SPARQL d'un magasin externe rempli par « graphe publish »",
    )
    parser.add_argument(
        "--timeout", type=float, default=d["timeout"].default,
        help="délai maximal d'une requête, en secondes (défaut: %(default)s ; un client peut demander moins)",
    )
    parser.add_argument("--row-limit", type=int, default=d["row_limit"].default,
                        help="lignes (ou triplets) au plus par réponse (défaut: %(default)s)")
    parser.add_argument("--cache-mb", type=int, default=d["cache_mb"].default,
                        help="cache des réponses en Mo, 0 pour aucun (défaut: %(default)s)")
    parser.add_argument("--memory-mb", type=int, default=None,
                        help="mémoire au plus par processus de requêtes, en Mo ; 0 pour aucune limite "
                             "(défaut : 60 %% de la mémoire de la machine partagés entre eux, 4096 au plus)")
    parser.add_argument("--request-timeout", type=float, default=d["request_timeout"].default,
                        help="secondes pour recevoir une requête entière, sinon 408 (défaut: %(default)s)")
    parser.add_argument("--dist", type=Path, default=None, help="jeu construit à servir (défaut: dist/ du projet)")
    parser.add_argument("--no-build", action="store_true",
                        help="servir dist/ tel quel, sans le reconstruire s'il est périmé")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"),
                        help="niveau des messages du serveur (défaut : info)")
    parser.add_argument("--access-log", action="store_true", help="une ligne par requête HTTP (uvicorn)")


def settings_from(args: argparse.Namespace):
    from graphe.api.settings import Settings
    from graphe.store import make_store

    if args.timeout <= 0 or args.request_timeout <= 0:
        raise BadRequest("--timeout et --request-timeout doivent être positifs.")
    if args.workers < 1:
        raise BadRequest("--workers doit valoir au moins 1.")
    if not 0 < args.port < 65536:
        raise BadRequest("--port doit être entre 1 et 65535.")
    settings = Settings(
        project=args.project,
        dist=Path(args.dist) if args.dist else args.project.dist,
        store=args.store,
        workers=args.workers,
        timeout=args.timeout,
        row_limit=args.row_limit,
        cache_mb=max(args.cache_mb, 0),
        memory_limit_mb=args.memory_mb,
        processes=max(getattr(args, "processes", 1), 1),
        request_timeout=args.request_timeout,
    )
    make_store(settings.store_spec)  # an unknown engine is a one-line error before anything starts
    return settings


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the exit code."""
    from graphe.server import Listen, _check_named_queries, configure_logging, ensure_dataset, serve_many, warn_about_memory

    configure_logging(args.log_level)
    settings = settings_from(args)
    if args.processes < 1:
        raise BadRequest("--processes doit valoir au moins 1.")
    from graphe.remote import is_remote
    from graphe.store import prepare_store

    if not is_remote(settings.store):  # a remote store holds its own data (graphe publish)
        nquads = ensure_dataset(settings.dist, build=not args.no_build, project=settings.project)
        prepare_store(settings.store_spec, nquads)  # once, before the server processes open it
    _check_named_queries(settings)
    listen = Listen(args.host, args.port, args.log_level, args.access_log)
    warn_about_memory(settings)
    return serve_many(settings, listen, args.processes)  # supervised even alone: a crash is restarted


