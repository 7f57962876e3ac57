#!/usr/bin/env bash
# Install the system packages the app and its tests need (Debian/Ubuntu), only when missing.
#   runtime: Pango and HarfBuzz for WeasyPrint PDFs, fonts
#   tests:   Chromium for the browser tests, poppler-utils (pdftotext) to read PDFs back,
#            docker-compose to validate docker-compose.yml (no Docker engine is needed),
#            a Java runtime for the Nu HTML checker (any Java 11 or newer already there will do)
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2)
if [ "${1:-}" = "--tests" ]; then
  want+=(chromium poppler-utils docker-compose)
  command -v java >/dev/null 2>&1 || want+=(default-jre-headless)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install these system packages: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
