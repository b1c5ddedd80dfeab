"""Generate the platform icons (pfiq.ico for Windows, pfiq.icns for macOS) from resources/pfiq.png.

The generated files are committed next to this script so a build needs no extra step;
rerun after changing the PNG:  .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "resources" / "pfiq.png"
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def main() -> int:
    image = Image.open(SOURCE).convert("RGBA")
    image.save(HERE / "pfiq.ico", sizes=ICO_SIZES)
    # ICNS wants a 512 or 1024 master for Retina sizes; the source is 256 px, upscale once.
    big = image.resize((512, 512), Image.Resampling.LANCZOS) if image.width < 512 else image
    big.save(HERE / "pfiq.icns")
    print(f"wrote {HERE / 'pfiq.ico'} and {HERE / 'pfiq.icns'} from {SOURCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
