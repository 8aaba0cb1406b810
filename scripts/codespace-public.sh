#!/usr/bin/env bash
# Make the emulator's port public in a GitHub Codespace, so the URLs work
# from any browser without signing in. Same as `go tool mage public`, for
# those who prefer a one-liner.
set -euo pipefail
port="${1:-4566}"
if [ -z "${CODESPACE_NAME:-}" ]; then
  echo "not in a GitHub Codespace (CODESPACE_NAME is unset): localhost URLs work as they are" >&2
  exit 0
fi
gh codespace ports visibility "${port}:public" -c "$CODESPACE_NAME"
echo "public: https://${CODESPACE_NAME}-${port}.${GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN:-app.github.dev}/"
