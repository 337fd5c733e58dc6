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
        "--processes", type=int, default=None,
        help="processus serveurs HTTP, qui se partagent le port (défaut : un seul quand les données sont servies "
             f"depuis la mémoire, sinon un par cœur, au plus 4 ; ici {default_processes()})",
    )
    parser.add_argument(
        "--workers", type=int, default=d["workers"].default,
        help="processus d'évaluation des requêtes par processus serveur (défaut: %(default)s)",
    )
    parser.add_argument(
        "--workers-at-start", type=int, default=1,
        help="processus d'évaluation lancés au démarrage ; les autres quand une requête n'en trouve aucun "
             "de libre (défaut: %(default)s ; 0 : tous)",
    )
    parser.add_argument(
        "--inline-ms", type=float, default=d["inline_ms"].default,
        help="une requête qu'un processus d'évaluation a servie en moins de ce temps (ms) est servie ensuite "
             "par le processus serveur lui-même (défaut: %(default)s ; 0 : jamais)",
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


def settings_from(args: argparse.Namespace, check_store: bool = True):
    from graphe.api.settings import Settings

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
        workers_at_start=max(getattr(args, "workers_at_start", 0) or 0, 0),
        inline_ms=max(getattr(args, "inline_ms", 0.0) or 0.0, 0.0),
        timeout=args.timeout,
        row_limit=args.row_limit,
        cache_mb=max(args.cache_mb, 0),
        memory_limit_mb=args.memory_mb,
        processes=max(getattr(args, "processes", None) or 1, 1),
        request_timeout=args.request_timeout,
    )
    if check_store:  # an unknown engine is a one-line error before anything starts
        from graphe.store import make_store

        make_store(settings.store_spec)
    return settings


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the exit code."""
    import dataclasses

    from graphe.apart import Apart
    from graphe.server import Listen, configure_logging, default_processes, serve_many, warn_about_memory

    configure_logging(args.log_level)
    if args.processes is not None and args.processes < 1:
        raise BadRequest("--processes doit valoir au moins 1.")
    settings = settings_from(args, check_store=False)  # the store is checked by _prepare
    settings = dataclasses.replace(settings, processes=args.processes or default_processes(settings))
    # built (if stale), checked and prepared in a forked child while the server processes start:
    # the supervisor never imports rdflib or the build, and the servers' imports overlap the check
    preparation = Apart(_prepare, args)
    listen = Listen(args.host, args.port, args.log_level, args.access_log)
    warn_about_memory(settings)
    # supervised even alone: a crash is restarted
    return serve_many(settings, listen, settings.processes, prepare=preparation.result)


def _prepare(args: argparse.Namespace):
    """The settings, once the dataset is built if stale, its store prepared, the named queries read."""
    from graphe.remote import is_remote
    from graphe.server import _check_named_queries, ensure_dataset
    from graphe.store import prepare_store

    settings = settings_from(args)
    if not is_remote(settings.store):  # a remote store holds its own data (graphe publish)
        nquads = ensure_dataset(settings.dist, build=not args.no_build, project=settings.project)
        prepare_store(settings.store_spec, nquads)  # once, before the server processes open it
    _check_named_queries(settings)
    return settings


