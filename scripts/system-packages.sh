#!/usr/bin/env bash
# Debian packages graphe needs that a fresh machine may lack, installed in one apt-get call.
# Java: HermiT, owlready2's reasoner, runs on a JVM (build). With --tests also Chromium and
# ChromeDriver (the browser tests), node (`node --check` on the query page's scripts), rapper
# (raptor2-utils: the published documents and dumps must parse with a parser that is not ours)
# and Virtuoso 7 (the named queries' agreement test and the external-store tests start a private one).
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ "${1:-}" = "--tests" ]; then
  { command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || need+=(chromium chromium-driver)
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v curl >/dev/null 2>&1 || need+=(curl)  # the README's curl examples are run as written
  command -v rapper >/dev/null 2>&1 || need+=(raptor2-utils)  # a second, independent RDF parser
  command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
fi
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
