#!/usr/bin/env bash
# Installs the browser libraries of the web app (hls.js, tus-js-client) pinned in
# web/package-lock.json with `npm ci`, unless the installed tree already matches the lockfile.
# The build copies their dist files into build/share/streamgate/web/app/vendor (web/CMakeLists.txt). Used by
# `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.streamgate-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "install-web-deps: npm ci in web"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
