#!/usr/bin/env bash
# Installs baton as a systemd service (run as root): batond in /usr/local/bin, the unit in
# /usr/local/lib/systemd/system, the example config as /etc/baton/baton.yaml (an existing one is kept)
# and /etc/baton/env for secrets. See docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BATON_TESTS=OFF BATON_TARGETS=batond bash scripts/build.sh
cmake --install build --prefix /usr/local
install -d -m 0755 /etc/baton
if [ ! -e /etc/baton/baton.yaml ]; then
    install -m 0644 conf/baton.yaml /etc/baton/baton.yaml
fi
if [ ! -e /etc/baton/env ]; then
    install -m 0600 /dev/null /etc/baton/env
fi
/usr/local/bin/batond --check-config /etc/baton/baton.yaml >/dev/null
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "installed: systemctl enable --now baton"
else
    echo "installed (no running systemd here: start /usr/local/bin/batond --config /etc/baton/baton.yaml by hand)"
fi
