"""``graphe serve``: build the dataset if it is stale, then serve it (:mod:`graphe.server`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphe import paths
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
        help="moteur: oxigraph (en mémoire, défaut), oxigraph:DOSSIER (sur disque), rdflib (référence) "
        "ou l'URL SPARQL d'un magasin externe rempli par « graphe publish »",
    )
    parser.add_argument(
        "--timeout", type=float, default=d["timeout"].default,
        help="délai maximal d'une requête, en secondes (défaut: %(default)s ; un client peut demander moins)",
    )
    parser.add_argument("--row-limit", type=int, default=d["row_limit"].default,
                        help="lignes (ou triplets) au plus par réponse (défaut: %(default)s)")
    parser.add_argument("--cache-mb", type=int, default=d["cache_mb"].default,
                        help="cache des réponses en Mo, 0 pour aucun (défaut: %(default)s)")
    parser.add_argument("--memory-mb", type=int, default=d["memory_limit_mb"].default,
                        help="mémoire au plus par processus de requêtes, en Mo (défaut: %(default)s)")
    parser.add_argument("--dist", type=Path, default=None, help=f"jeu construit à servir (défaut: {paths.DIST})")
    parser.add_argument("--no-build", action="store_true",
                        help="servir dist/ tel quel, sans le reconstruire s'il est périmé")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"),
                        help="niveau des messages du serveur (défaut : info)")
    parser.add_argument("--access-log", action="store_true", help="une ligne par requête HTTP (uvicorn)")


def settings_from(args: argparse.Namespace):
    from graphe.api.settings import Settings
    from graphe.store import make_store

    if args.timeout <= 0:
        raise BadRequest("--timeout doit être positif.")
    if args.workers < 1:
        raise BadRequest("--workers doit valoir au moins 1.")
    if not 0 < args.port < 65536:
        raise BadRequest("--port doit être entre 1 et 65535.")
    make_store(args.store)  # an unknown engine is a one-line error before anything starts
    return Settings(
        dist=Path(args.dist) if args.dist else paths.DIST,
        store=args.store,
        workers=args.workers,
        timeout=args.timeout,
        row_limit=args.row_limit,
        cache_mb=max(args.cache_mb, 0),
        memory_limit_mb=args.memory_mb if args.memory_mb and args.memory_mb > 0 else None,
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the exit code."""
    from graphe.server import Listen, _check_named_queries, configure_logging, ensure_dataset, serve_many, serve_one

    configure_logging(args.log_level)
    settings = settings_from(args)
    if args.processes < 1:
        raise BadRequest("--processes doit valoir au moins 1.")
    from graphe.remote import is_remote
    from graphe.store import prepare_store

    if not is_remote(settings.store):  # a remote store holds its own data (graphe publish)
        nquads = ensure_dataset(settings.dist, build=not args.no_build)
        prepare_store(settings.store, nquads)
    _check_named_queries(settings)
    listen = Listen(args.host, args.port, args.log_level, args.access_log)
    if args.processes == 1:
        serve_one(settings, listen)
        return 0
    return serve_many(settings, listen, args.processes)


