"""Plots drawn with OpenCV into RGB arrays, saved as PNG (no matplotlib)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pfiq_desktop.palette import PLQ_SCALE

PALETTE = [
    (31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
]
FONT = cv2.FONT_HERSHEY_SIMPLEX


def save_png(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f"could not write {path}")


def _text(
    img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.4, colour: tuple[int, int, int] = (0, 0, 0), thick: int = 1
) -> None:
    cv2.putText(img, text, org, FONT, scale, colour, thick, cv2.LINE_AA)


def _nice_ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    if hi <= lo:
        hi = lo + 1e-6
    step = (hi - lo) / count
    magnitude = 10 ** np.floor(np.log10(step))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step), default=step)
    return np.arange(np.ceil(lo / step) * step, hi + step * 0.01, step)


def line_chart(
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    title: str,
    xlabel: str,
    ylabel: str,
    size: tuple[int, int] = (560, 400),
    styles: dict[str, tuple[tuple[int, int, int], bool]] | None = None,
) -> np.ndarray:
    """Lines with markers; `styles` maps a name to (colour, dashed)."""
    width, height = size
    img = np.full((height, width, 3), 255, np.uint8)
    left, right, top, bottom = 58, 170, 44, 42
    xs = np.concatenate([np.asarray(x, float) for x, _ in series.values()])
    ys = np.concatenate([np.asarray(y, float) for _, y in series.values()])
    ys = ys[np.isfinite(ys)]
    x0, x1 = float(xs.min()), float(xs.max())
    y0, y1 = (float(ys.min()), float(ys.max())) if ys.size else (0.0, 1.0)
    pad = 0.05 * (y1 - y0 or 1.0)
    y0, y1 = y0 - pad, y1 + pad

    def px(x: float, y: float) -> tuple[int, int]:
        u = left + (x - x0) / (x1 - x0 or 1) * (width - left - right)
        v = height - bottom - (y - y0) / (y1 - y0 or 1) * (height - top - bottom)
        return int(round(u)), int(round(v))

    for t in _nice_ticks(y0, y1):
        a, b = px(x0, t), px(x1, t)
        cv2.line(img, a, b, (230, 230, 230), 1)
        _text(img, f"{t:.3g}", (4, a[1] + 4), 0.35)
    for t in _nice_ticks(x0, x1):
        a = px(t, y0)
        cv2.line(img, a, (a[0], a[1] + 4), (0, 0, 0), 1)
        _text(img, f"{t:.3g}", (a[0] - 10, a[1] + 16), 0.35)
    cv2.rectangle(img, px(x0, y1), px(x1, y0), (0, 0, 0), 1)
    _text(img, title, (8, 16), 0.45, thick=1)
    _text(img, xlabel, (left + (width - left - right) // 2 - 40, height - 8), 0.4)
    _text(img, ylabel, (4, top - 8), 0.35)
    for k, (name, (x, y)) in enumerate(series.items()):
        colour, dashed = (styles or {}).get(name, (PALETTE[k % len(PALETTE)], False))
        points = [px(a, b) for a, b in zip(x, y) if np.isfinite(b)]
        for p, q in zip(points, points[1:]):
            if dashed:
                for s in np.linspace(0, 1, 6)[:-1:2]:
                    a = (int(p[0] + (q[0] - p[0]) * s), int(p[1] + (q[1] - p[1]) * s))
                    b = (int(p[0] + (q[0] - p[0]) * (s + 0.2)), int(p[1] + (q[1] - p[1]) * (s + 0.2)))
                    cv2.line(img, a, b, colour, 2, cv2.LINE_AA)
            else:
                cv2.line(img, p, q, colour, 2, cv2.LINE_AA)
        for p in points:
            cv2.circle(img, p, 2, colour, -1, cv2.LINE_AA)
        ly = top + 10 + 16 * k
        cv2.line(img, (width - right + 8, ly), (width - right + 28, ly), colour, 2)
        _text(img, name[:24], (width - right + 32, ly + 4), 0.35)
    return img


def bar_chart(
    groups: list[str],
    values: dict[str, list[float]],
    title: str,
    ylabel: str,
    size: tuple[int, int] = (640, 380),
    reference: dict[str, list[float]] | None = None,
    ymax: float | None = None,
) -> np.ndarray:
    """Grouped bars: one group per entry of `groups`, one bar per series; optional chance ticks."""
    width, height = size
    img = np.full((height, width, 3), 255, np.uint8)
    left, right, top, bottom = 50, 150, 28, 46
    top_value = ymax or max(1e-9, max(max(v) for v in values.values()))
    plot_w, plot_h = width - left - right, height - top - bottom

    def py(v: float) -> int:
        return int(round(height - bottom - v / top_value * plot_h))

    for t in _nice_ticks(0, top_value):
        cv2.line(img, (left, py(t)), (width - right, py(t)), (230, 230, 230), 1)
        _text(img, f"{t:.3g}", (6, py(t) + 4), 0.35)
    n = len(values)
    gw = plot_w / max(len(groups), 1)
    bw = gw * 0.8 / max(n, 1)
    for g, group in enumerate(groups):
        for k, (name, vals) in enumerate(values.items()):
            x = left + g * gw + gw * 0.1 + k * bw
            v = vals[g]
            if np.isfinite(v):
                cv2.rectangle(img, (int(x), py(v)), (int(x + bw) - 1, py(0)), PALETTE[k % len(PALETTE)], -1)
            if reference and np.isfinite(reference[name][g]):
                r = py(reference[name][g])
                cv2.line(img, (int(x), r), (int(x + bw) - 1, r), (0, 0, 0), 2)
        _text(img, group[:14], (int(left + g * gw + 4), height - bottom + 16), 0.35)
    cv2.rectangle(img, (left, top), (width - right, height - bottom), (0, 0, 0), 1)
    _text(img, title, (left, 18), 0.45)
    _text(img, ylabel, (left, height - 10), 0.35)
    for k, name in enumerate(values):
        ly = top + 10 + 16 * k
        cv2.rectangle(img, (width - right + 8, ly - 5), (width - right + 24, ly + 5), PALETTE[k % len(PALETTE)], -1)
        _text(img, name[:20], (width - right + 30, ly + 4), 0.35)
    if reference:
        ly = top + 10 + 16 * n
        cv2.line(img, (width - right + 8, ly), (width - right + 24, ly), (0, 0, 0), 2)
        _text(img, "chance", (width - right + 30, ly + 4), 0.35)
    return img


def heatmap(
    matrix: np.ndarray, rows: list[str], cols: list[str], title: str, limit: float | None = None, cell: tuple[int, int] = (64, 22)
) -> np.ndarray:
    """Diverging red (negative) - white - green (positive) cells with the value printed."""
    cw, ch = cell
    lw, th = 150, 60
    img = np.full((th + ch * len(rows) + 10, lw + cw * len(cols) + 10, 3), 255, np.uint8)
    lim = limit or max(1e-9, float(np.nanmax(np.abs(matrix))))
    for r, name in enumerate(rows):
        _text(img, name[:22], (4, th + r * ch + 15), 0.35)
        for c in range(len(cols)):
            v = matrix[r, c]
            t = 0.5 + 0.5 * np.clip(v / lim, -1, 1) if np.isfinite(v) else 0.5
            colour = PLQ_SCALE.rgb(np.array([[t]]))[0, 0] if np.isfinite(v) else np.array([200, 200, 200])
            x, y = lw + c * cw, th + r * ch
            cv2.rectangle(img, (x, y), (x + cw - 2, y + ch - 2), tuple(int(k) for k in colour), -1)
            _text(img, f"{v:+.2f}" if np.isfinite(v) else "-", (x + 10, y + 15), 0.35)
    for c, name in enumerate(cols):
        _text(img, name[:11], (lw + c * cw + 2, th - 8), 0.33)
    _text(img, title, (4, 18), 0.45)
    return img


def labelled_tile(rgb: np.ndarray, label: str, size: int = 150) -> np.ndarray:
    tile = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA if rgb.shape[0] > size else cv2.INTER_LINEAR)
    out = np.full((size + 16, size, 3), 255, np.uint8)
    out[16:] = tile
    _text(out, label[:24], (2, 12), 0.34)
    return out


def grid(tiles: list[list[np.ndarray]], title: str = "") -> np.ndarray:
    """Rows of equally sized tiles (short rows padded with white), with a title line."""
    h, w = tiles[0][0].shape[:2]
    cols = max(len(r) for r in tiles)
    img = np.full((24 + h * len(tiles) + 4 * len(tiles), w * cols + 4 * cols, 3), 255, np.uint8)
    for r, row in enumerate(tiles):
        for c, tile in enumerate(row):
            y, x = 24 + r * (h + 4), c * (w + 4)
            img[y : y + h, x : x + w] = tile
    _text(img, title, (4, 16), 0.45)
    return img


def plq_overlay(chip: np.ndarray, plq: np.ndarray, opacity: float = 0.6) -> np.ndarray:
    return PLQ_SCALE.blend(chip, plq, opacity)
