#!/usr/bin/env bash
# Print the path of a Python 3.12+ interpreter, or explain what is missing and fail.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=("${PYTHON:-}" python3.13 python3.12 python3)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in $(ls -r "$root/versions" 2>/dev/null); do
    candidates+=("$root/versions/$v/bin/python3")
  done
fi
for c in "${candidates[@]}"; do
  [ -n "$c" ] || continue
  if command -v "$c" >/dev/null 2>&1 && ok "$c"; then
    command -v "$c"
    exit 0
  fi
done
cat >&2 <<'MSG'
No Python 3.12 or newer was found (tried $PYTHON, python3.13, python3.12, python3 and pyenv's versions).
Django 6 needs Python 3.12+. Debian 13 and Ubuntu 24.04 ship one (apt-get install python3 python3-venv);
elsewhere install one with pyenv, or point PYTHON at it: make run PYTHON=/path/to/python3.13
MSG
exit 1
