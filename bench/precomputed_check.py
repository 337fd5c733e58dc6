"""The precomputed answers at scale: every file of ``DIST/reponses/`` against the engine's answer.

tests/endpoint/test_precomputed.py proves it at the annex's size; at 300× the national listings
span up to 19 pages and rows tie under their ORDER BY (replicas share names), so this script
says whether each file still holds the engine's very bytes there: it opens the store the server
would open (the on-disk base when ``DIST/oxigraph`` exists), runs each file's query text as the
route runs it, in each format, and compares. It writes the files first unless ``--deja-ecrites``.

    .venv/bin/python bench/precomputed_check.py build/x100        # a dist with its dataset.nq
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from graphe import diskstore, precomputed
from graphe.cli.parser import FrenchParser
from graphe.store import make_store


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="Chaque réponse précalculée comparée à celle du moteur.")
    p.add_argument("dist", type=Path, help="un dossier qui contient dataset.nq (et oxigraph/ s'il est grand)")
    p.add_argument("--deja-ecrites", action="store_true", help="ne pas réécrire reponses/")
    p.add_argument("--formats", default=",".join(precomputed.FORMATS), help="formats comparés (défaut : tous)")
    args = p.parse_args(argv)
    nquads = args.dist / "dataset.nq"
    if not nquads.is_file():
        p.error(f"{nquads} : introuvable")
    if not args.deja_ecrites:
        t0 = time.perf_counter()
        precomputed.write(args.dist)
        print(f"· réponses écrites en {time.perf_counter() - t0:.1f} s", flush=True)
    index = json.loads((args.dist / precomputed.DIRECTORY / precomputed.INDEX).read_text(encoding="utf-8"))
    on_disk = index["magasin"] == precomputed.DISK
    spec = f"oxigraph:{args.dist / 'oxigraph'}" if on_disk else "oxigraph"
    if on_disk and not diskstore.is_current(args.dist / "oxigraph", nquads):
        p.error("la base oxigraph/ ne correspond pas à dataset.nq")
    store = make_store(spec).load(nquads)
    formats = [f for f in args.formats.split(",") if f]
    same = differ = 0
    for text, entry in index["reponses"].items():
        checked = store.check(text)
        for fmt in formats:
            engine = store.query(checked, format=fmt, row_limit=index["limite"])
            path = args.dist / precomputed.DIRECTORY / entry["question"] / f"{entry['partie']}.{fmt}"
            ok = engine.body == path.read_bytes() and (engine.rows, engine.truncated) == (entry["lignes"], entry["tronquee"])
            same += ok
            differ += not ok
            if not ok:
                print(f"  DIFFÉRENTE : {entry['question']} page {entry['partie']} {fmt} "
                      f"({entry['lignes']} lignes écrites, {engine.rows} par le moteur)", flush=True)
    print(f"{same} réponses identiques à celles du moteur, {differ} différentes ({index['magasin']})")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
