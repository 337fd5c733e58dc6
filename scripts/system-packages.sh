#!/usr/bin/env bash
# Debian packages graphe needs that a fresh machine may lack, installed in one apt-get call.
# Java: HermiT, owlready2's reasoner, runs on a JVM (build). With --tests also Chromium and
# ChromeDriver (the browser tests), node (`node --check` on the query page's scripts) and rapper
# (raptor2-utils: the published documents and dumps must parse with a parser that is not ours).
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ "${1:-}" = "--tests" ]; then
  { command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || need+=(chromium chromium-driver)
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v rapper >/dev/null 2>&1 || need+=(raptor2-utils)  # a second, independent RDF parser
fi
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
