#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment and the system libraries Qt needs.
# Idempotent and quick when nothing changed. Usage: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs Debian packages when run as root; otherwise names them. One at a time, so one bad name is not fatal.
install_debs() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]}"
    [ -n "${PFIQ_APT_UPDATED:-}" ] || { apt-get update -qq; PFIQ_APT_UPDATED=1; }
    for pkg in "${missing[@]}"; do
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 \
        || echo "warning: could not install the system package $pkg" >&2
    done
  else
    echo "Please install these system packages (sudo apt-get install ${missing[*]})" >&2
  fi
}

# Qt offscreen (tests, reports), fonts (DejaVu; WenQuanYi for Chinese, Japanese and Korean names and notes, which
# printed as empty boxes), PDF tools for the tests, and Xvfb to prove a real window opens.
install_debs libglib2.0-0 libegl1 libgl1 libx11-6 libxkbcommon0 libfontconfig1 libfreetype6 fonts-dejavu-core \
  fonts-wqy-microhei libdbus-1-3 poppler-utils xvfb xauth

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.pfiq-installed
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # The CPU build of torch first: a looser requirement alone would pull a multi-GB CUDA build, and so would this pin
  # from PyPI, whose Linux torch is the CUDA build. A CPU wheel in pip's find-links folder (a workstation's local
  # wheels) is taken where there is one, its dependencies from the usual index; otherwise PyTorch's CPU index.
  if .venv/bin/python -m pip install -q --no-index --no-deps "torch==2.13.0+cpu" 2>/dev/null; then
    .venv/bin/python -m pip install -q "torch==2.13.0+cpu"
  else
    .venv/bin/python -m pip install -q "torch==2.13.0+cpu" --index-url https://download.pytorch.org/whl/cpu
  fi
  .venv/bin/python -m pip install -q -e ".[test,build]"
  # The [onnx] extra (ONNX backbones and their tests) without onnx2torch's torchvision requirement: torchvision must
  # match torch's exact build, so pip would swap the CPU torch for a multi-GB CUDA one; onnx2torch needs it only for
  # NMS/RoiAlign, which face recognisers do not use (engine/backbones/external.py imports it without).
  .venv/bin/python -m pip install -q "onnx>=1.16"
  .venv/bin/python -m pip install -q --no-deps "onnx2torch>=1.5"
  echo "$want" > "$stamp"
fi

# A real window needs Qt's xcb platform plugin; install every library it links that is missing, found with
# ldd on the plugin itself and named by Debian's rule for library packages (libxcb-icccm.so.4 -> libxcb-icccm4,
# libxkbcommon-x11.so.0 -> libxkbcommon-x11-0).
xcb_plugin_libraries_missing() {
  local qt
  qt="$(.venv/bin/python -c 'import os, PySide6; print(os.path.dirname(PySide6.__file__))')"
  ldd "$qt/Qt/plugins/platforms/libqxcb.so" "$qt"/Qt/lib/libQt6XcbQpa.so.* 2>/dev/null | awk '/not found/ {print $1}' | sort -u
}
debian_package_of() {
  local base="${1%%.so.*}" version="${1##*.so.}"
  base="$(echo "$base" | tr '[:upper:]' '[:lower:]')"
  version="${version%%.*}"
  if [[ "$base" =~ [0-9]$ ]]; then echo "$base-$version"; else echo "$base$version"; fi
}
missing_libs="$(xcb_plugin_libraries_missing)"
if [ -n "$missing_libs" ]; then
  packages=()
  for lib in $missing_libs; do packages+=("$(debian_package_of "$lib")"); done
  install_debs "${packages[@]}"
  still="$(xcb_plugin_libraries_missing)"
  [ -z "$still" ] || echo "warning: Qt's xcb plugin still misses: $(echo $still) (the window cannot open on X11)" >&2
fi
