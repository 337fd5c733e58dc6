"""``/health`` and ``/metrics``: for the people and machines that keep the endpoint running."""

from __future__ import annotations

import os
import time

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import JSONResponse, Response

router = APIRouter()


@router.get("/health")
async def health(request: Request) -> Response:
    """200 while at least one query process is up; what is served, and how busy."""
    rt = request.app.state.runtime
    ex = rt.executor
    alive = ex is not None and ex.alive > 0
    body = {
        "status": "ok" if alive else "indisponible",
        "pid": os.getpid(),
        "version": rt.version,
        "store": rt.settings.store,
        "workers": ex.size if ex else 0,
        "workers_alive": ex.alive if ex else 0,
        "workers_busy": ex.busy if ex else 0,
        "graphs": ex.counts if ex else {},
        "triples": ex.size_union if ex else 0,
        "named_queries": len(rt.catalogue),
        "timeout_s": rt.settings.timeout,
        "row_limit": rt.settings.row_limit,
        "uptime_s": round(time.time() - rt.started, 1),
    }
    return JSONResponse(body, status_code=200 if alive else 503, headers={"Cache-Control": "no-store"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format."""
    rt = request.app.state.runtime
    m = rt.metrics
    if rt.executor is not None:
        m.workers.set(rt.executor.alive)
        m.workers_busy.set(rt.executor.busy)
    return Response(m.exposition(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
