#!/usr/bin/env bash
# Installs the npm test peers pinned in tests/peers/package-lock.json (S3 server, EVM node,
# Solidity compiler, wallet signers, tus client) with `npm ci`, unless the installed tree already
# matches the lockfile. Used by `make test`.
set -euo pipefail
cd "$(dirname "$0")/../tests/peers"
stamp=node_modules/.streamgate-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "install-test-peers: npm ci in tests/peers"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
