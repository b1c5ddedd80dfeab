"""A hostile-input corpus, generated: what a government workstation may be fed, on purpose or by accident.

`build_corpus(folder)` writes every case into `folder` and returns what each one
is and what must happen to it:

- ``photo``: a usable image; it must be analysed without an error;
- ``refused``: it must give a per-file error message naming the file;
- ``either``: damaged in a way a decoder may or may not survive (fuzzed, cut);
  decoded or refused, but never a crash, a hang or a message without the name;
- ``skipped``: not a file at all (a looping or broken link, a pipe, a socket); a
  folder listing must report it, an explicit path must give an error naming it.

Everything is made from the public-domain astronaut portrait (skimage) and
hand-built headers; sparse files take no disk space. Nothing here is slow except
the large cases (60 MP photos with and without a face, a 16-bit "bomb" PNG, a
250 MB padded JPEG), which are the worst cases the README's figures come from.
"""

from __future__ import annotations

import io
import os
import random
import socket
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from pfiq_desktop.engine.imageio import MAX_FILE_BYTES

PHOTO, REFUSED, EITHER, SKIPPED = "photo", "refused", "either", "skipped"
FORMATS = {"jpg": "JPEG", "png": "PNG", "tif": "TIFF", "webp": "WEBP", "gif": "GIF"}


@dataclass(frozen=True)
class Case:
    """One corpus entry: its path, what kind of case it is and what must happen (see the module docstring)."""

    path: Path
    kind: str
    expect: str


def portrait(size: int = 320) -> np.ndarray:
    from skimage import data

    return cv2.resize(np.ascontiguousarray(data.astronaut()), (size, size), interpolation=cv2.INTER_AREA)


def encode(image: Image.Image | np.ndarray, fmt: str, **params: object) -> bytes:
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def png_stream(width: int, height: int, depth: int, colour: int, row: bytes, rows: int | None = None) -> bytes:
    """A PNG whose IDAT holds `rows` (default: all) identical filtered rows, compressed as a stream."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    compressor = zlib.compressobj(9)
    line = b"\x00" + row
    block = line * max(1, (1 << 20) // len(line))
    per_block = len(block) // len(line)
    left = height if rows is None else rows
    parts = []
    while left > 0:
        count = min(left, per_block)
        parts.append(compressor.compress(block[: count * len(line)]))
        left -= count
    parts.append(compressor.flush())
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", b"".join(parts)) + png_chunk(b"IEND", b"")


def tiff_header(width: int, height: int) -> bytes:
    """A little-endian greyscale TIFF whose tags claim width x height, with one tiny strip."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8 + 2 + 12 * 8 + 4), (278, 4, 1, 1), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x80" * 16


def gif_header(width: int, height: int) -> bytes:
    """A GIF whose logical screen claims width x height around a 1x1 image."""
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
            + b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00;")


def bmp_header(width: int, height: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 12, 0, 0, 54) + info + b"\x00" * 12


def webp_header(width: int, height: int) -> bytes:
    """A lossless WebP whose header claims width x height, with no real bitstream behind it."""
    bits = (width - 1) | (height - 1) << 14
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 16
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def jpeg_with_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header (SOF0) patched to claim width x height."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9:]


def with_exif(jpeg_source: np.ndarray, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(jpeg_source, "JPEG", quality=90, exif=exif.tobytes())


def flipped(data: bytes, seed: int, start: int, flips: int) -> bytes:
    """`data` with `flips` random bytes from `start` on replaced (reproducible per seed)."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        at = rng.randrange(min(start, len(out) - 1), len(out))
        out[at] = rng.randrange(256)
    return bytes(out)


class _Writer:
    """Collects cases while writing them into one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cases: list[Case] = []

    def file(self, name: str | bytes, data: bytes, kind: str, expect: str) -> Path:
        path = self.folder / (os.fsdecode(name) if isinstance(name, bytes) else name)
        path.write_bytes(data)
        self.cases.append(Case(path, kind, expect))
        return path

    def special(self, name: str, make: Callable[[Path], None], kind: str, expect: str) -> None:
        path = self.folder / name
        make(path)
        self.cases.append(Case(path, kind, expect))

    def sparse(self, name: str, head: bytes, size: int, kind: str, expect: str) -> None:
        path = self.folder / name
        with open(path, "wb") as handle:
            handle.write(head)
            handle.truncate(size)  # a hole: no disk space, but reading it costs
        self.cases.append(Case(path, kind, expect))


def build_corpus(folder: Path) -> list[Case]:
    """Write the corpus into `folder` (created) and say what each case is."""
    folder.mkdir(parents=True, exist_ok=True)
    w = _Writer(folder)
    face = portrait()
    valid = {ext: encode(face, fmt, **({"quality": 90} if ext == "jpg" else {})) for ext, fmt in FORMATS.items()}
    for ext, data in valid.items():
        w.file(f"valid.{ext}", data, "format", PHOTO)
    w.file("valid.bmp", encode(face, "BMP"), "format", PHOTO)
    w.file("valid.jp2", encode(face, "JPEG2000"), "format", PHOTO)  # the format of the photos in passport chips
    w.file("valid.ppm", encode(face, "PPM"), "format", PHOTO)
    w.file("valid.pgm", encode(Image.fromarray(face).convert("L"), "PPM"), "format", PHOTO)
    _truncated_and_fuzzed(w, valid)
    _bombs(w, valid["jpg"])
    _modes(w, face)
    _exif(w, face)
    _names(w, valid["jpg"])
    _specials(w, valid["jpg"])
    _junk(w, face)
    return w.cases


def _truncated_and_fuzzed(w: _Writer, valid: dict[str, bytes]) -> None:
    for ext, data in valid.items():
        for fraction in (0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.999):
            w.file(f"cut_{int(fraction * 1000):03d}.{ext}", data[: max(1, int(len(data) * fraction))], "truncated", EITHER)
        w.file(f"cut_header.{ext}", data[:16], "truncated", EITHER)
        for seed in range(12):
            w.file(f"fuzz_body_{seed:02d}.{ext}", flipped(data, seed, 64, 1 + seed * 4), "fuzzed", EITHER)
        for seed in range(4):
            w.file(f"fuzz_head_{seed}.{ext}", flipped(data, 100 + seed, 0, 3)[:64] + data[64:], "fuzzed", EITHER)


def _bombs(w: _Writer, jpeg: bytes) -> None:
    w.file("bomb_100k.png", png_stream(100_000, 100_000, 8, 2, b"\x00" * 300_000, rows=2), "bomb", REFUSED)
    w.file("bomb_60mp_rgb.png", png_stream(7750, 7750, 8, 2, b"\x80" * 3 * 7750, rows=2), "bomb", REFUSED)
    w.file("bomb_gif_screen.gif", gif_header(65535, 65535), "bomb", REFUSED)
    w.file("bomb_tiff.tif", tiff_header(100_000, 100_000), "bomb", REFUSED)
    w.file("bomb_jpeg_sof.jpg", jpeg_with_size(jpeg, 65500, 65500), "bomb", REFUSED)
    w.file("bomb_webp.webp", webp_header(16383, 16383), "bomb", REFUSED)
    w.file("bomb_bmp.bmp", bmp_header(50_000, 50_000), "bomb", REFUSED)
    text_bomb = png_chunk(b"zTXt", b"comment\x00\x00" + zlib.compress(b"\x00" * 50_000_000, 9))
    small = encode(portrait(64), "PNG")
    w.file("bomb_ztxt.png", small[:33] + text_bomb + small[33:], "bomb", EITHER)
    # the 460 KB "7700x7700 16-bit RGBA" PNG: 474 MB decoded, refused from its header
    w.file("bomb_16bit_rgba.png", png_stream(7700, 7700, 16, 6, b"\x00" * 8 * 7700), "bomb", REFUSED)
    # the largest photo allowed: 59.9 MP, half transparent (alpha compositing at full size)
    w.file("huge_rgba_59mp.png", png_stream(7740, 7740, 8, 6, b"\x80\x90\xa0\x80" * 7740), "huge", PHOTO)
    # a real photo with 250 MB of (sparse) padding after its end marker: read and hashed in full
    w.sparse("padded_250mb.jpg", jpeg, 250 * 2**20, "huge", PHOTO)
    # the most work a photo can ask for: 59.9 MP with a face, so every check runs at full size
    big = cv2.resize(portrait(512), (7740, 7740), interpolation=cv2.INTER_LINEAR)
    w.file("huge_face_59mp.jpg", cv2.imencode(".jpg", cv2.cvtColor(big, cv2.COLOR_RGB2BGR))[1].tobytes(), "huge", PHOTO)
    w.sparse("sparse_1gib.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", 2**30, "huge", REFUSED)
    w.sparse("sparse_300mb.png", b"\x89PNG\r\n\x1a\n", 300 * 2**20, "huge", REFUSED)
    w.sparse("sparse_limit_plus_1.jpg", jpeg, MAX_FILE_BYTES + 1, "huge", REFUSED)


def _modes(w: _Writer, face: np.ndarray) -> None:
    grey = cv2.cvtColor(face, cv2.COLOR_RGB2GRAY)
    grey16 = grey.astype(np.uint16) * 257
    rgba = np.dstack([face, np.full(face.shape[:2], 200, np.uint8)])
    pil = Image.fromarray(face)
    png16 = cv2.imencode(".png", cv2.cvtColor(face, cv2.COLOR_RGB2BGR).astype(np.uint16) * 257)[1].tobytes()
    png16a = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA).astype(np.uint16) * 257)[1].tobytes()
    cases = {
        "mode_grey16.png": encode(Image.fromarray(grey16), "PNG"),
        "mode_rgb16.png": png16,
        "mode_rgba16.png": png16a,
        "mode_1bit.png": encode(pil.convert("1"), "PNG"),
        "mode_1bit_g4.tif": encode(pil.convert("1"), "TIFF", compression="group4"),
        "mode_palette.png": encode(pil.convert("P"), "PNG"),
        "mode_palette_transparent.png": encode(pil.convert("P"), "PNG", transparency=0),
        "mode_palette_transparent.gif": encode(pil.convert("P"), "GIF", transparency=0),
        "mode_cmyk.jpg": encode(pil.convert("CMYK"), "JPEG"),
        "mode_cmyk.tif": encode(pil.convert("CMYK"), "TIFF"),
        "mode_rgba.png": encode(Image.fromarray(rgba), "PNG"),
        "mode_la.png": encode(pil.convert("LA"), "PNG"),
        "mode_grey16.tif": encode(Image.fromarray(grey16), "TIFF"),
        "mode_float.tif": encode(Image.fromarray(grey.astype(np.float32) / 255), "TIFF"),
        "mode_int32.tif": encode(Image.fromarray(grey.astype(np.int32) * 257), "TIFF"),
        "mode_lab.tif": encode(pil.convert("LAB"), "TIFF"),
        "mode_grey.jpg": encode(pil.convert("L"), "JPEG"),
        "mode_progressive.jpg": encode(pil, "JPEG", progressive=True),
        "mode_animated.gif": encode(pil, "GIF", save_all=True, append_images=[pil.rotate(90), pil.rotate(180)]),
        "mode_animated.webp": encode(pil, "WEBP", save_all=True, append_images=[pil.rotate(90)]),
        "mode_multipage.tif": encode(pil, "TIFF", save_all=True, append_images=[pil.rotate(90)]),
        "mode_apng.png": encode(pil, "PNG", save_all=True, append_images=[pil.rotate(90)]),
        "mode_mpo.jpg": encode(pil, "MPO", save_all=True, append_images=[pil.rotate(90)]),
    }
    for name, data in cases.items():
        w.file(name, data, "mode", PHOTO)
    w.file("mode_int32_negative.tif", encode(Image.fromarray(grey.astype(np.int32) - 300), "TIFF"), "mode", REFUSED)


def _exif(w: _Writer, face: np.ndarray) -> None:
    for orientation in range(1, 9):
        w.file(f"exif_orientation_{orientation}.jpg", with_exif(face, orientation), "exif", PHOTO)
    good = with_exif(face, 6)
    at = good.index(b"Exif\x00\x00") + 6  # the TIFF header inside the APP1 segment
    broken = {
        "exif_count_ffff.jpg": good[: at + 8] + b"\xff\xff" + good[at + 10:],
        "exif_orientation_0.jpg": with_exif(face, 0),
        "exif_orientation_9.jpg": with_exif(face, 9),
        "exif_orientation_65535.jpg": with_exif(face, 65535),
        "exif_ifd_offset_far.jpg": good[: at + 4] + b"\xff\xff\xff\x7f" + good[at + 8:],
        "exif_segment_too_long.jpg": good[: at - 8] + b"\xff\xf0" + good[at - 6:],
        "exif_garbage.jpg": good[:at] + bytes(range(256)) * 2 + good[at + 512:],
        "exif_png_chunk.png": encode(face, "PNG")[:33] + png_chunk(b"eXIf", b"MM\x00*" + b"\xff" * 40)
        + encode(face, "PNG")[33:],
    }
    for name, data in broken.items():
        w.file(name, data, "exif", EITHER)


def _names(w: _Writer, jpeg: bytes) -> None:
    names: list[str | bytes] = [
        b"caf\xe9 latin-1.jpg", b"\xff\xfe\xfd.jpg", b"half \xe2\x82.jpg",  # not valid UTF-8 (Linux bytes)
        "new\nline.jpg", "tab\there.jpg", "carriage\rreturn.jpg", "bell\x07.jpg",
        "-rf.jpg", "--help.jpg", "x" * 240 + ".jpg", "e\u0301te\u0301.jpg", "CON.jpg", "nul.png",
        "%s%n{}.jpg", "rtl\u202egpj.exe.jpg", "zero\u200bwidth.jpg", " leading space.jpg", "trailing dot..jpg",
        "back\\slash.jpg", "quote'\"<>|.jpg", "\U0001f600.jpg", "\u8a3c\u660e\u5199\u771f.jpg", "UPPER.JPG",
        "=cmd()+A1.jpg",
    ]
    for name in names:
        w.file(name, jpeg if not str(name).endswith(".png") else encode(portrait(), "PNG"), "name", PHOTO)


def _specials(w: _Writer, jpeg: bytes) -> None:
    target = w.folder / "link_target_photo.jpg"
    target.write_bytes(jpeg)
    w.cases.append(Case(target, "special", PHOTO))
    w.special("link_to_photo.jpg", lambda p: p.symlink_to(target), "special", PHOTO)
    w.special("loop_a.jpg", lambda p: p.symlink_to(w.folder / "loop_b.jpg"), "special", SKIPPED)
    w.special("loop_b.jpg", lambda p: p.symlink_to(w.folder / "loop_a.jpg"), "special", SKIPPED)
    w.special("loop_self.png", lambda p: p.symlink_to(p), "special", SKIPPED)
    w.special("broken_link.jpg", lambda p: p.symlink_to(w.folder / "gone.jpg"), "special", SKIPPED)
    w.special("pipe.jpg", lambda p: os.mkfifo(p), "special", SKIPPED)

    def bind_socket(path: Path) -> None:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(path))  # the socket file stays after the socket closes

    w.special("socket.png", bind_socket, "special", SKIPPED)
    unreadable = w.file("unreadable.jpg", jpeg, "special", EITHER if os.geteuid() == 0 else REFUSED)
    unreadable.chmod(0)  # root reads it anyway: then it is a photo


def _junk(w: _Writer, face: np.ndarray) -> None:
    small = Image.fromarray(face).resize((40, 40))
    junk = {
        "empty.jpg": b"",
        "one_byte.png": b"\x89",
        "text.jpg": b"Dear officer, the applicant's photo follows.\n" * 30,
        "html.png": b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
        "svg.png": b'<svg xmlns="http://www.w3.org/2000/svg" width="9999999" height="9999999"/>',
        "json.jpg": b'{"photo": true}',
        "zip.jpg": b"PK\x03\x04" + bytes(200),
        "pdf.jpg": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        "elf.jpg": b"\x7fELF\x02\x01\x01" + bytes(120),
        "eps.jpg": encode(small, "EPS"),  # must never start Ghostscript
        "ico.png": encode(small, "ICO"),
        "tga.jpg": encode(small, "TGA"),
        "pcx.png": encode(small, "PCX"),
        "dot_1x1.png": encode(Image.new("RGB", (1, 1)), "PNG"),
        "small_31x31.png": encode(Image.new("RGB", (31, 31)), "PNG"),
        "thin_10000x31.png": encode(Image.new("L", (10000, 31)), "PNG"),
    }
    for seed in range(5):
        junk[f"random_{seed}.jpg"] = random.Random(seed).randbytes(2000 + seed * 500)
    for name, data in junk.items():
        w.file(name, data, "junk", REFUSED)
    w.file("tall_32x10000.png", encode(Image.new("L", (32, 10000), 128), "PNG"), "junk", PHOTO)
