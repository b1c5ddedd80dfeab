"""Safe photo loading (pfiq_desktop.engine.imageio)."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFile, TiffImagePlugin

from pfiq_desktop.engine.hashing import file_sha256
from pfiq_desktop.engine.imageio import ImageLoadError, load_image, load_photo_array, load_photo_bytes, load_photo_file
from tests.photos import SHARED_FACES, load_portrait, shared_missing


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def png_with_header_size(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG whose IHDR claims width x height (no big allocation)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (1 + 3 * 16))  # one short scanline, nothing more
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def assert_rgb(image: np.ndarray, height: int, width: int) -> None:
    assert image.shape == (height, width, 3)
    assert image.dtype == np.uint8
    assert image.flags.c_contiguous


# ----------------------------------------------------------------------- good input


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF", "BMP", "WEBP"])
def test_common_formats_load_from_file_and_bytes(tmp_path, astronaut, fmt):
    payload = encode(Image.fromarray(astronaut), fmt)
    path = tmp_path / f"photo.{fmt.lower()}"
    path.write_bytes(payload)
    for source in (path, str(path), payload):
        image = load_image(source)
        assert_rgb(image, 512, 512)
        assert np.abs(image.astype(int) - astronaut).mean() < 6  # lossy formats drift


def test_exif_orientation_is_applied(tmp_path):
    stored = np.zeros((48, 64, 3), np.uint8)
    stored[:12, :16] = (255, 0, 0)  # red block in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = tmp_path / "rotated.jpg"
    Image.fromarray(stored).save(path, exif=exif.tobytes(), quality=95)
    image = load_image(path)
    assert_rgb(image, 64, 48)
    assert image[3, -4, 0] > 200 and image[3, -4, 1] < 60  # now top-right
    assert image[-4, 3, 0] < 60


def test_greyscale_becomes_three_equal_channels(astronaut):
    grey = Image.fromarray(astronaut).convert("L")
    image = load_image(encode(grey, "PNG"))
    assert_rgb(image, 512, 512)
    assert np.array_equal(image[:, :, 0], np.asarray(grey))
    assert np.array_equal(image[:, :, 0], image[:, :, 2])


def test_rgba_is_composited_on_white():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., :3] = (200, 20, 20)
    rgba[:20, :, 3] = 255  # opaque top half
    rgba[20:, :, 3] = 0  # transparent bottom half
    rgba[20:, :20, 3] = 128  # half-transparent patch
    image = load_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert_rgb(image, 40, 40)
    assert tuple(image[5, 5]) == (200, 20, 20)
    assert tuple(image[30, 30]) == (255, 255, 255)
    assert tuple(image[30, 5]) == (227, 137, 137)  # 200*a + 255*(1-a), a = 128/255


def test_16_bit_greyscale_png_is_scaled_to_8_bit():
    ramp = np.linspace(0, 65535, 64 * 48).astype(np.uint16).reshape(48, 64)
    image = load_image(encode(Image.fromarray(ramp), "PNG"))
    assert_rgb(image, 48, 64)
    assert image[0, 0, 0] == 0 and image[-1, -1, 0] == 255
    assert np.abs(image[:, :, 0].astype(int) - np.rint(ramp / 257.0)).max() == 0


def test_16_bit_colour_png_is_reduced_to_8_bit():
    rng = np.random.default_rng(0)
    rgb16 = rng.integers(0, 65536, size=(40, 50, 3), dtype=np.uint16)
    ok, png = cv2.imencode(".png", rgb16[:, :, ::-1])  # OpenCV writes BGR
    assert ok
    image = load_image(png.tobytes())
    assert_rgb(image, 40, 50)
    assert np.abs(image.astype(int) - np.rint(rgb16 / 257.0)).max() <= 1


def test_palette_png_with_and_without_transparency(astronaut):
    palette = Image.fromarray(astronaut).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    image = load_image(encode(palette, "PNG"))
    assert_rgb(image, 512, 512)
    assert np.abs(image.astype(int) - np.asarray(palette.convert("RGB"))).max() == 0

    transparent_index = int(np.asarray(palette)[0, 0])
    image = load_image(encode(palette, "PNG", transparency=transparent_index))
    assert tuple(image[0, 0]) == (255, 255, 255)


def test_gif_gives_first_frame():
    red = Image.new("RGB", (40, 40), (255, 0, 0))
    blue = Image.new("RGB", (40, 40), (0, 0, 255))
    payload = encode(red, "GIF", save_all=True, append_images=[blue])
    image = load_image(payload)
    assert_rgb(image, 40, 40)
    assert tuple(image[20, 20]) == (255, 0, 0)


def test_greyscale_gif_and_rgba_png_of_a_real_photo_load(tmp_path):
    rgb = load_portrait(0)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    Image.fromarray(grey).save(tmp_path / "grey.gif")
    image = load_image(tmp_path / "grey.gif")
    assert_rgb(image, *grey.shape)
    assert np.array_equal(image, np.repeat(grey[:, :, None], 3, axis=2))  # grey levels kept, copied to R, G and B
    Image.fromarray(np.dstack([rgb, np.full(grey.shape, 255, np.uint8)]), "RGBA").save(tmp_path / "rgba.png")
    assert np.array_equal(load_image(tmp_path / "rgba.png"), rgb)  # opaque alpha dropped, colours untouched


def palette_gif(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """A grey GIF whose pixels are palette indices, not grey levels, and its grey levels: Yale's (written by another
    tool) from the developers' data when it is there, else one written from a bundled portrait with a reversed
    64-level grey palette (index i is level 252 - 4 i, so a loader that returned indices would fail)."""
    if shared_missing("defects_yale"):
        indices = 63 - cv2.cvtColor(load_portrait(0), cv2.COLOR_RGB2GRAY) // 4
        levels = (252 - 4 * np.arange(64)).astype(np.uint8)
        image = Image.fromarray(indices.astype(np.uint8), "P")
        image.putpalette(np.repeat(levels, 3).tolist())
        image.save(tmp_path / "palette.gif")
        return tmp_path / "palette.gif", levels[indices]
    path = SHARED_FACES / "defects_yale" / "subject01.glasses.gif"
    with Image.open(path) as image:
        return path, np.asarray(image.convert("L"))


def test_palette_gif_loads_as_its_grey_levels(tmp_path):
    path, grey = palette_gif(tmp_path)
    image = load_image(path)
    assert_rgb(image, *grey.shape)
    assert np.array_equal(image, np.repeat(grey[:, :, None], 3, axis=2))


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.full((40, 50), 77, np.uint8), (77, 77, 77)),
        (np.full((40, 50, 3), (1, 2, 3), np.uint8), (1, 2, 3)),
        (np.full((40, 50, 1), 9, np.uint8), (9, 9, 9)),
        (np.full((40, 50, 4), (10, 20, 30, 255), np.uint8), (10, 20, 30)),
        (np.full((40, 50, 4), (10, 20, 30, 0), np.uint8), (255, 255, 255)),
        (np.full((40, 50, 3), 65535, np.uint16), (255, 255, 255)),
        (np.full((40, 50), 0.5, np.float32), (128, 128, 128)),
        (np.full((40, 50, 3), 1.5, np.float64), (255, 255, 255)),
    ],
    ids=["HxW", "HxWx3", "HxWx1", "rgba-opaque", "rgba-clear", "uint16", "float", "float-clipped"],
)
def test_arrays_are_normalised(array, expected):
    image = load_image(array)
    assert_rgb(image, 40, 50)
    assert tuple(image[7, 7]) == expected


def test_array_input_is_copied(astronaut):
    image = load_image(astronaut)
    assert image is not astronaut and not np.shares_memory(image, astronaut)
    assert np.array_equal(image, astronaut)


def test_file_sha256(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# ------------------------------------------------------------------------ bad input


def load_bytes_via_file(tmp_path: Path, payload: bytes, name: str) -> np.ndarray:
    path = tmp_path / name
    path.write_bytes(payload)
    return load_image(path)


def truncated_jpeg(astronaut: np.ndarray) -> bytes:
    payload = encode(Image.fromarray(astronaut), "JPEG", quality=90)
    return payload[: len(payload) // 2]


@pytest.mark.parametrize(
    ("make", "name", "words"),
    [
        (lambda a: b"", "empty.jpg", "empty"),
        (truncated_jpeg, "cut.jpg", "is incomplete: the file ends before the photo does"),
        (lambda a: b"Officer notes: applicant photo follows\n" * 20, "notes.jpg", "contains text"),
        (lambda a: b'{"schema": 3, "checks": []}\n' * 20, "a.json", "perhaps an analysis: `pfiq report` reads those"),
        (lambda a: bytes(range(256)) * 4, "noise.png", "not a recognised image"),
        (lambda a: encode(Image.new("RGB", (1, 1)), "PNG"), "dot.png", "1x1"),
        (lambda a: encode(Image.new("RGB", (31, 400)), "PNG"), "thin.png", "at least 32"),
        (lambda a: encode(Image.fromarray(a), "TGA"), "photo.tga", "not supported"),
        (lambda a: png_with_header_size(20000, 20000), "bomb.png", "megapixel limit"),
        (lambda a: png_with_header_size(12000, 9000), "bomb_warn.png", "megapixel limit"),
        (lambda a: png_with_header_size(10000, 7000), "big.png", "megapixel limit"),
    ],
    ids=[
        "zero-byte",
        "truncated-jpeg",
        "text-renamed-jpg",
        "analysis-json",
        "random-bytes",
        "1x1",
        "too-thin",
        "unsupported-tga",
        "bomb-20000x20000",
        "bomb-pillow-warning-range",
        "above-own-limit",
    ],
)
def test_bad_files_raise_image_load_error(tmp_path, astronaut, make, name, words):
    payload = make(astronaut)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping would fail the test
        with pytest.raises(ImageLoadError) as caught:
            load_bytes_via_file(tmp_path, payload, name)
    message = str(caught.value)
    assert words in message
    assert name in message  # officers need to know which file
    if payload:
        with pytest.raises(ImageLoadError):
            load_image(payload)


def test_bomb_is_refused_before_decoding(monkeypatch):
    def fail_load(*args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", fail_load)
    with pytest.raises(ImageLoadError, match="megapixel"):
        load_image(png_with_header_size(10000, 7000))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageLoadError, match="does not exist"):
        load_image(tmp_path / "nowhere.jpg")
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)


@pytest.mark.parametrize(
    "source",
    [
        np.zeros((40, 50, 2), np.uint8),
        np.zeros((10, 10, 3), np.uint8),
        np.full((40, 50), np.nan, np.float32),
        np.zeros((40, 50), np.complex64),
        b"",
        12345,
    ],
    ids=["two-channels", "too-small", "nan", "complex", "empty-bytes", "int"],
)
def test_bad_arrays_and_types_raise_image_load_error(source):
    with pytest.raises(ImageLoadError):
        load_image(source)


def test_image_load_error_is_a_value_error():
    assert issubclass(ImageLoadError, ValueError)


def test_alpha_compositing_is_exact_integer_arithmetic():
    """Every (colour, alpha) pair gives round(c*a/255 + 255 - a), as the float formula did, without float copies."""
    from pfiq_desktop.engine.imageio import composite_on_white

    alpha, colour = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    rgba = np.dstack([colour, colour, colour, alpha]).astype(np.uint8)
    expected = np.rint(colour * alpha / 255.0 + 255 - alpha).astype(np.uint8)
    assert np.array_equal(composite_on_white(rgba)[:, :, 0], expected)


def test_large_photos_are_converted_in_blocks(monkeypatch):
    """No float copy of the whole photo: conversions see at most BLOCK_PIXELS pixels at a time."""
    from pfiq_desktop.engine import imageio

    seen: list[int] = []
    real = imageio._to_uint8
    monkeypatch.setattr(imageio, "_to_uint8", lambda block, name: (seen.append(block.shape[0] * block.shape[1]), real(block, name))[1])
    monkeypatch.setattr(imageio, "BLOCK_PIXELS", 10_000)
    out = load_image(np.full((400, 300, 4), 0.5, np.float32))
    assert out.shape == (400, 300, 3) and max(seen) <= 10_000 and sum(seen) == 400 * 300
    assert (out == 191).all()  # 128 at alpha 128 over white: round(128 * 128 / 255 + 127)


def test_the_file_size_is_checked_before_a_byte_is_read(tmp_path, monkeypatch):
    """A 1 GiB sparse file with a JPEG header took 201 s and 1.5 GB; now it is refused from its size."""
    from pfiq_desktop.engine import imageio

    path = tmp_path / "sparse.jpg"
    with open(path, "wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0")
        handle.truncate(2**30)
    monkeypatch.setattr(imageio, "open", lambda *args, **kwargs: pytest.fail("the file was opened"), raising=False)
    with pytest.raises(ImageLoadError, match=r"'sparse\.jpg' is 1,073,741,824 bytes, above the 256 MB \(268,435,456 bytes\) limit"):
        load_image(path)


def test_the_decoded_size_is_checked_from_the_header(tmp_path, monkeypatch):
    """The issue's 460 KB 7700x7700 16-bit RGBA PNG took 32 s and 4.1 GB; its header says 452 MB decoded."""
    from tests.hostile.corpus import png_stream

    path = tmp_path / "bomb16.png"
    path.write_bytes(png_stream(7700, 7700, 16, 6, bytes(8 * 7700), rows=1))
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("pixels were decoded"))
    with pytest.raises(ImageLoadError, match=r"'bomb16\.png' would take 452 MB decoded .*above the 256 MB limit"):
        load_image(path)


@pytest.mark.parametrize(("fmt", "saved", "stated"), [
    ("JPEG", {"dpi": (300, 300)}, 300.0),
    ("PNG", {"dpi": (300, 300)}, 300.0),  # pHYs holds pixels per metre: 11811, read back as 299.9994
    ("TIFF", {"dpi": (600, 600)}, 600.0),
    ("JPEG", {}, None),  # a JFIF header with no unit states an aspect only
    ("PNG", {}, None),
    ("JPEG", {"dpi": (300, 150)}, None),  # non-square pixels: no print size can be read from it
])
def test_the_resolution_a_file_states_is_read_with_its_pixels(tmp_path, fmt, saved, stated):
    path = tmp_path / f"photo.{fmt.lower()}"
    path.write_bytes(encode(Image.new("RGB", (40, 50), (200, 180, 160)), fmt, **saved))
    photo = load_photo_file(path)
    assert photo.pixels.shape == (50, 40, 3) and photo.sha256 == file_sha256(path)
    assert photo.dpi == (None if stated is None else pytest.approx(stated, abs=0.01))
    in_memory = load_photo_bytes(path.read_bytes())  # a photo handed over as bytes keeps its hash and dpi too
    assert in_memory.sha256 == photo.sha256 and in_memory.dpi == photo.dpi


def test_how_much_of_a_photo_the_file_leaves_transparent_is_kept(tmp_path):
    # a cut-out PNG was shown over white with nothing said: its white strips passed "Light background" on a dark one
    rgba = np.zeros((50, 40, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = 90, 255
    rgba[:, :4, 3] = 0  # 4 of 40 columns transparent
    rgba[0, 10:30, 3] = 128  # and 20 half-transparent pixels
    path = tmp_path / "cut_out.png"
    Image.fromarray(rgba, "RGBA").save(path)
    photo = load_photo_file(path)
    assert photo.transparent == pytest.approx((50 * 4 + 20) / (50 * 40)) and (photo.pixels[:, :4] == 255).all()
    palette = tmp_path / "palette.png"  # a GIF-style palette with one colour transparent
    indexed = Image.new("P", (40, 50), 1)
    indexed.putpalette([0, 255, 0, 90, 90, 90])
    indexed.paste(0, (0, 0, 4, 50))  # the first 4 columns in colour 0, the transparent one
    indexed.save(palette, transparency=0)
    assert load_photo_file(palette).transparent == pytest.approx(0.1)
    for mode in ("RGB", "L"):  # a PNG that keys one colour as transparent
        keyed = tmp_path / f"keyed_{mode}.png"
        plain = Image.fromarray(rgba[..., :3]).convert(mode)
        plain.paste((0, 255, 0) if mode == "RGB" else 7, (0, 0, 4, 50))
        plain.save(keyed, transparency=(0, 255, 0) if mode == "RGB" else 7)
        keyed_photo = load_photo_file(keyed)
        assert keyed_photo.transparent == pytest.approx(0.1) and (keyed_photo.pixels[:, :4] == 255).all(), mode
    opaque = tmp_path / "photo.jpg"
    Image.fromarray(rgba[..., :3]).save(opaque)
    assert load_photo_file(opaque).transparent == 0.0 and load_photo_bytes(opaque.read_bytes()).transparent == 0.0
    assert load_photo_array(rgba).transparent == photo.transparent


def test_a_heic_photo_is_named_and_the_officer_told_to_convert_it_and_avif_loads(tmp_path, astronaut):
    # iPhones save HEIC: "not a recognised image" left the officer guessing
    heic = tmp_path / "IMG_1234.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    with pytest.raises(ImageLoadError, match=r"IMG_1234.HEIC' is a HEIC/HEIF photo .* convert it to JPEG"):
        load_image(heic)
    avif = tmp_path / "photo.avif"
    avif.write_bytes(encode(Image.fromarray(astronaut), "AVIF", quality=90))
    image = load_image(avif)
    assert_rgb(image, 512, 512)
    assert np.abs(image.astype(int) - astronaut).mean() < 6  # lossy


def test_jpeg_2000_the_format_of_passport_chip_photos_loads_as_stored(tmp_path, astronaut):
    # refused as "not supported" (and a .j2k left out of a folder without a word), though Pillow decodes it
    from pfiq_desktop.engine.discovery import IMAGE_EXTENSIONS

    for name in ("chip.jp2", "chip.j2k"):
        path = tmp_path / name
        Image.fromarray(astronaut).save(path, format="JPEG2000", no_jp2=name.endswith(".j2k"))  # lossless by default
        assert np.array_equal(load_image(path), astronaut), name
        assert path.suffix in IMAGE_EXTENSIONS


def _matrix_profile(description: str, primaries: tuple[tuple[float, float, float], ...], gamma: float) -> bytes:
    """A minimal ICC v2 RGB display profile (white point D50, three primaries in XYZ, one gamma): a colour space
    other than sRGB, as Adobe RGB or Display P3 are, made here so that no vendor's profile is shipped."""
    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    text = description.encode() + b"\0"
    tags = [(b"desc", b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(79)),
            (b"cprt", b"text\0\0\0\0none\0"), (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            *((tag, xyz(*p)) for tag, p in zip((b"rXYZ", b"gXYZ", b"bXYZ"), primaries)),
            *((tag, curve) for tag in (b"rTRC", b"gTRC", b"bTRC"))]
    table, body, start = b"", b"", 128 + 4 + 12 * len(tags)
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", start + len(body), len(data))
        body += data
    header = (struct.pack(">I", start + len(body)) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ " + bytes(12)
              + b"acsp" + bytes(28) + s15(0.9642) + s15(1.0) + s15(0.8249) + bytes(48))  # 128 bytes
    return header + struct.pack(">I", len(tags)) + table + body


def test_a_photo_in_another_colour_space_is_read_in_srgb(tmp_path, astronaut, caplog):
    # an Adobe RGB studio photo was read as if sRGB: its background measured L* 40 instead of 43 and the lighting
    # check flipped on a ProPhoto one (odd-input walk-through)
    from PIL import ImageCms

    wide = _matrix_profile("Wide-gamut test RGB", ((0.7977, 0.2880, 0.0), (0.1352, 0.7119, 0.0), (0.0313, 0.0001, 0.8249)),
                           1.8)  # ProPhoto RGB's primaries and gamma
    stored = ImageCms.profileToProfile(Image.fromarray(astronaut), ImageCms.createProfile("sRGB"),
                                       ImageCms.ImageCmsProfile(io.BytesIO(wide)), outputMode="RGB")
    path = tmp_path / "studio.jpg"
    stored.save(path, quality=95, icc_profile=wide)
    as_stored = np.asarray(Image.open(path), np.float32)
    raw_error, read_error = (float(np.abs(pixels - astronaut).mean()) for pixels in (as_stored, load_image(path).astype(np.float32)))
    assert raw_error > 10 and read_error < 3  # the stored numbers are far from the colours they mean; read in sRGB, near
    # an sRGB photo is left as it is; a profile that cannot be read is logged and the pixels taken as they are
    srgb = tmp_path / "srgb.png"
    Image.fromarray(astronaut).save(srgb, icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    assert np.array_equal(load_image(srgb), astronaut)
    broken = tmp_path / "broken_profile.png"
    Image.fromarray(astronaut).save(broken, icc_profile=b"not a colour profile" * 10)
    assert np.array_equal(load_image(broken), astronaut)
    assert "colour profile that could not be applied" in caplog.text


def test_a_jpeg_above_the_pixel_limit_is_decoded_at_a_fraction_of_its_size(tmp_path):
    # a 108 MP phone photo was refused ("Use a smaller copy"): libjpeg decodes it at 1/2 as cheaply, and a PNG that
    # large is still refused before any pixel is decoded
    from pfiq_desktop.engine.imageio import MAX_PIXELS

    width, height = 8001, MAX_PIXELS // 8000 + 9  # odd: a rounded-up size asked of Pillow left it at full size
    big = np.zeros((height, width), np.uint8)
    big[:, : width // 2] = 200  # a left half to find again
    path = tmp_path / "phone.jpg"
    Image.fromarray(big).save(path, quality=80, dpi=(600, 600))
    photo = load_photo_file(path)
    assert photo.pixels.shape == (-(-height // 2), -(-width // 2), 3)
    assert photo.dpi == pytest.approx(600 * photo.pixels.shape[1] / width)  # the print size stays the same
    assert photo.pixels[:, : width // 4 - 4].min() > 190 and photo.pixels[:, width // 4 + 4:].max() < 10
    with pytest.raises(ImageLoadError, match="megapixel limit"):
        load_image(png_with_header_size(width, height))


def test_how_many_images_a_file_holds_is_kept_and_previews_do_not_count(tmp_path):
    """A scan saved as a multi-page TIFF (the photo behind a form, say) was analysed on page 1 without a word: how many
    images the file holds is now kept. A TIFF's reduced-resolution preview and an MPO camera file's second view are
    the same photo, not another."""
    photo, other = Image.new("RGB", (64, 64), (120, 110, 100)), Image.new("RGB", (64, 64), "white")
    assert load_photo_array(np.zeros((40, 40, 3), np.uint8)).images == 1
    for fmt, kept in (("TIFF", 3), ("PNG", 3), ("GIF", 2), ("WEBP", 2)):  # GIF and WebP merge the two equal frames
        path = tmp_path / f"pages.{fmt.lower()}"
        photo.save(path, fmt, save_all=True, append_images=[other, other])
        assert load_photo_file(path).images == kept, fmt
        single = tmp_path / f"single.{fmt.lower()}"
        photo.save(single, fmt)
        assert load_photo_file(single).images == 1, fmt
    mpo = tmp_path / "camera.mpo"
    photo.save(mpo, "MPO", save_all=True, append_images=[other])
    assert load_photo_file(mpo).images == 1
    previewed = tmp_path / "previewed.tif"
    with TiffImagePlugin.AppendingTiffWriter(str(previewed), True) as tiff:
        photo.save(tiff, "TIFF")
        tiff.newFrame()
        reduced = TiffImagePlugin.ImageFileDirectory_v2()
        reduced[254] = 1  # NewSubfileType: a reduced-resolution version of another page
        photo.resize((16, 16)).save(tiff, "TIFF", tiffinfo=reduced)
        tiff.newFrame()
    assert Image.open(previewed).n_frames == 2 and load_photo_file(previewed).images == 1


def test_a_file_of_thousands_of_pages_is_counted_quickly_up_to_more_than_a_hundred(tmp_path):
    """Pillow's page count of a 100,000-page TIFF took 72 s (each page checked against every page before it), and an
    APNG declaring 2,147,483,647 frames was said to hold that many (fuzzing walk-through): counting stops past 100,
    a TIFF's previews still left out, and an animation's frames are not decoded to be counted (review)."""
    import struct
    import time
    import zlib

    from pfiq_desktop.engine.imageio import MAX_IMAGES_COUNTED, images_text

    pages = tmp_path / "pages.tif"
    tiny = Image.new("L", (32, 32), 128)
    tiny.save(pages, "TIFF", save_all=True, append_images=[tiny] * 2999)
    started = time.perf_counter()
    assert load_photo_file(pages).images == MAX_IMAGES_COUNTED + 1
    assert time.perf_counter() - started < 2.0  # counting all 3,000 took seconds; a hundred takes milliseconds
    assert images_text(MAX_IMAGES_COUNTED + 1) == "more than 100" and images_text(3) == "3"
    apng = tmp_path / "frames.png"
    Image.new("RGB", (32, 32), "grey").save(apng, "PNG", save_all=True, append_images=[Image.new("RGB", (32, 32), "white")])
    data = bytearray(apng.read_bytes())
    at = data.index(b"acTL")
    data[at + 4:at + 8] = struct.pack(">I", 2_147_483_647)  # the frames it declares, not the frames it holds
    data[at + 12:at + 16] = struct.pack(">I", zlib.crc32(bytes(data[at:at + 12])))
    apng.write_bytes(bytes(data))
    assert load_photo_file(apng).images == MAX_IMAGES_COUNTED + 1  # its claim, said as "more than 100"
    previewed = tmp_path / "previewed.tif"  # 120 pages, every second a preview of the one before: 60 images
    with TiffImagePlugin.AppendingTiffWriter(str(previewed), True) as tiff:
        for page in range(120):
            reduced = TiffImagePlugin.ImageFileDirectory_v2()
            reduced[254] = page % 2
            tiny.save(tiff, "TIFF", tiffinfo=reduced)
            tiff.newFrame()
    assert load_photo_file(previewed).images == 60
    sparse = tmp_path / "sparse.tif"  # 410 pages, every fifth a full page: 82 images, not "more than 100" (review)
    with TiffImagePlugin.AppendingTiffWriter(str(sparse), True) as tiff:
        for page in range(410):
            reduced = TiffImagePlugin.ImageFileDirectory_v2()
            reduced[254] = int(page % 5 != 0)
            tiny.save(tiff, "TIFF", tiffinfo=reduced)
            tiff.newFrame()
    assert load_photo_file(sparse).images == 82
    frames = tmp_path / "frames.gif"  # an animation is counted without decoding its frames
    big = [Image.new("P", (1500, 2000), n) for n in range(101)]
    big[0].save(frames, "GIF", save_all=True, append_images=big[1:])
    started = time.perf_counter()
    assert load_photo_file(frames).images == MAX_IMAGES_COUNTED + 1
    assert time.perf_counter() - started < 2.0  # decoding the 101 frames before took seconds
    three = tmp_path / "three.gif"  # cut inside its second frame's header: the first is still the photo (review)
    noise = np.random.default_rng(0).integers(0, 255, (3, 64, 64), np.uint8)
    shots = [Image.fromarray(frame).convert("P") for frame in noise]
    shots[0].save(three, "GIF", save_all=True, append_images=shots[1:])
    data = three.read_bytes()
    second = data.index(b"\x21\xf9\x04", data.index(b"\x21\xf9\x04") + 1)  # the second frame's control block
    cut = tmp_path / "cut.gif"
    cut.write_bytes(data[: second + 5])
    assert load_photo_file(cut).images == 1


def test_a_small_progressive_jpeg_claiming_a_huge_size_is_refused_before_it_is_decoded(tmp_path):
    """A 10 kB progressive JPEG whose header claims 30000 x 30000 pixels took 5.5 GB: libjpeg holds a progressive
    file's coefficients at full size whatever size is asked (fuzzing walk-through). A real phone photo still loads."""
    import io
    import struct

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 110, 100)).save(buffer, "JPEG", progressive=True, subsampling=0)
    data = bytearray(buffer.getvalue())
    frame = data.index(b"\xff\xc2")  # start of a progressive frame: length, precision, height, width
    data[frame + 5:frame + 9] = struct.pack(">HH", 30000, 30000)
    claimed = tmp_path / "claimed.jpg"
    claimed.write_bytes(bytes(data))
    with pytest.raises(ImageLoadError, match=r"progressive JPEG of 30000x30000 pixels, which would take 5,150 MB"):
        load_photo_file(claimed)
    phone = tmp_path / "phone.jpg"
    Image.new("RGB", (4000, 3000), (120, 110, 100)).save(phone, "JPEG", progressive=True)  # 12 MP, 4:2:0: 34 MB
    assert load_photo_file(phone).pixels.shape == (3000, 4000, 3)


def test_a_compressed_photo_whose_end_is_zeros_is_called_incomplete_and_a_black_edged_bitmap_is_not(tmp_path):
    """A copy that stopped half-way, its rest filled with zeros, decoded as a photo half grey (WebP) or half transparent
    (PNG) without a word, and was judged as a face (fuzzing walk-through)."""
    rng = np.random.default_rng(3)
    photo = Image.fromarray(rng.integers(0, 255, (160, 120, 3), np.uint8))
    for fmt in ("PNG", "WEBP"):
        whole = tmp_path / f"whole.{fmt.lower()}"
        photo.save(whole, fmt)
        data = whole.read_bytes()
        assert load_photo_file(whole).pixels.shape == (160, 120, 3)
        cut = tmp_path / f"cut.{fmt.lower()}"
        cut.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
        with pytest.raises(ImageLoadError, match="is incomplete: it ends in zeros where the photo should be"):
            load_photo_file(cut)
    black_edge = np.asarray(photo).copy()
    black_edge[-60:] = 0  # uncompressed, a black border ends the file in zeros: it is a photo all the same
    Image.fromarray(black_edge).save(tmp_path / "edge.bmp")
    assert load_photo_file(tmp_path / "edge.bmp").pixels[-1].max() == 0
