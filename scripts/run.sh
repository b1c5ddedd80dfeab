#!/usr/bin/env bash
# Set up and start PFIQ Desktop. Usage: bash scripts/run.sh [folder-or-photo]
set -euo pipefail
cd "$(dirname "$0")/.."
# an installed environment still starts when it cannot be refreshed (no network, a read-only install): an upgrade's
# changed setup stopped the application on such a workstation (upgrade walk-through)
if ! bash scripts/setup.sh; then
  if [ -x .venv/bin/python ] && .venv/bin/python -c "import pfiq_desktop.gui.app" 2>/dev/null; then
    echo "warning: the environment could not be brought up to date (see above); starting with the one installed" >&2
  else
    exit 1
  fi
fi
if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-}" ]; then
  echo "PFIQ Desktop needs a screen: no X11 or Wayland display is set (DISPLAY / WAYLAND_DISPLAY are empty)." >&2
  echo "Start it from a desktop session, or over SSH with 'ssh -X', or on a virtual screen: xvfb-run bash scripts/run.sh" >&2
  exit 1
fi
status=0
.venv/bin/python main.py "$@" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 130 ]; then
  echo "PFIQ Desktop stopped (exit $status). If Qt said it could not connect to the display or load the 'xcb'" >&2
  echo "platform plugin: check DISPLAY (${DISPLAY:-unset}) and run 'bash scripts/setup.sh' as root once" >&2
  echo "to install the missing system libraries. The log is in the application's data folder (Help > About)." >&2
fi
exit "$status"
