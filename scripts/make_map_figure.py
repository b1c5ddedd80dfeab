"""Make the README figure of a clean and a defective photo side by side, as the reports draw them.

    .venv/bin/python scripts/make_map_figure.py [--out docs/screenshots/clean_vs_defective.png]

A bundled public-domain portrait (tests/fixtures/portraits), analysed as it is and with a black patch over
the eye on the photo's left: each row is the report's panels (photo and findings | the map compared with
compliant photos, clearly-low areas outlined | its legend in words).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PORTRAIT = sorted((REPO / "tests" / "fixtures" / "portraits").glob("*.jpg"))[2]


def make_figure(out: Path) -> Path:
    from PySide6.QtGui import QColor, QImage, QPainter

    from pfiq_desktop.engine import disturbances
    from pfiq_desktop.engine.analyzer import Analyzer
    from pfiq_desktop.engine.imageio import load_image
    from pfiq_desktop.reports.drawing import save_qimage
    from pfiq_desktop.reports.figures import render_panels

    analyzer = Analyzer(device="cpu")
    clean = load_image(PORTRAIT)
    eye = analyzer.analyse(clean).faces[0].landmarks[36:42]
    (left, top), (right, bottom) = eye.min(axis=0), eye.max(axis=0)
    pad = 0.5 * (right - left)
    patched = disturbances.occlude(clean, (int(left - pad), int(top - pad), int(right + pad), int(bottom + pad)), "black")
    rows = [render_panels(image, analyzer.analyse(image), height=420) for image in (clean, patched)]
    canvas = QImage(max(r.width() for r in rows), sum(r.height() for r in rows) + 16, QImage.Format.Format_RGB888)
    canvas.fill(QColor(255, 255, 255))
    painter = QPainter(canvas)
    painter.drawImage(0, 0, rows[0])
    painter.drawImage(0, rows[0].height() + 16, rows[1])
    painter.end()
    save_qimage(out, canvas)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots" / "clean_vs_defective.png")
    args = parser.parse_args(argv)
    print(make_figure(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
