"""Safe photo loading: every input becomes an RGB uint8 HxWx3 C-contiguous array.

Anything that cannot become a usable photo raises :class:`ImageLoadError` with a
message an officer can act on, naming the file; Pillow's own exceptions and
warnings never escape.

Every photo costs bounded time and memory, checked before the work is done:
- the file size (`MAX_FILE_BYTES`) before a byte is read (a 1 GiB sparse file
  with a JPEG header is refused at once, not read);
- the pixel count (`MAX_PIXELS`) and the decoded size from the header
  (`MAX_DECODED_BYTES`: pixels x bands x bytes per sample as Pillow holds them)
  before any pixel is decoded, so a "decompression bomb" costs nothing. A JPEG above
  them (a 108 MP phone photo) is decoded at 1/2, 1/4 or 1/8 of its size instead, which
  libjpeg does as cheaply (its stated dpi scaled with it): still far above any
  resolution the checks ask for;
- conversions run in integer arithmetic on blocks of rows (`BLOCK_PIXELS`), never
  as float copies of the whole photo.

Conventions:
- EXIF orientation is applied, so the array is the photo as a person sees it.
- A photo that embeds a colour profile other than sRGB (Adobe RGB from studio cameras,
  Display P3 from phones) is converted to sRGB, the space the checks' bounds are set in:
  read as it is stored, an Adobe RGB portrait's background measured L* 40 instead of 43.
- Transparent pixels are composited onto white: a cut-out passport photo is meant to
  be seen (and printed) on white paper, and dropping alpha would expose whatever
  colour the editor left in invisible pixels. How much of the photo was transparent is
  kept beside the pixels (`PhotoFile.transparent`): a background cut out or replaced
  is the officer's to judge, and the checks judge only what the white shows.
- 16-bit greyscale files and uint16 arrays are scaled to 8 bit (value * 255 / 65535,
  rounded); Pillow itself reduces 16-bit colour files to 8 bit (high byte, which is
  within one level of that). Float arrays are taken as 0..1 and clipped.
- Animated GIF/WebP/PNG and multi-page TIFF: the first frame, and how many images the file holds is kept
  (`PhotoFile.images`; a TIFF's reduced-resolution previews and an MPO camera file's extra views do not count), so
  the checklist can say that only the first was checked (a scan whose page 1 is a form).
- The resolution a file states (JPEG JFIF/EXIF, PNG pHYs, TIFF) is kept beside the pixels, for
  the print size of rules in mm; none when the file states none or non-square pixels.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import stat
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageCms, ImageFile, ImageOps, TiffImagePlugin, UnidentifiedImageError

from pfiq_desktop.engine.filenames import display_name
from pfiq_desktop.engine.results import looks_like_analysis

MIN_SIDE_PX = 32
MAX_PIXELS = 60_000_000
MAX_DECODED_BYTES = 256 * 2**20
PROGRESSIVE_HEADROOM = 4  # a progressive JPEG's coefficients may take this many times MAX_DECODED_BYTES (a 108 MP phone
# photo 4:2:0 takes 324 MB; a 12-megapixel one 36 MB)
MAX_FILE_BYTES = 256 * 2**20  # no accepted photo needs more: its decoded pixels would not fit either
BLOCK_PIXELS = 1 << 20  # pixels converted at a time (a few MB of temporaries, whatever the photo's size)
NEW_SUBFILE_TYPE = 254  # the TIFF tag whose bit 0 marks a page as a reduced-resolution preview of another
ZERO_TAIL_BYTES = 4096  # a compressed file ending in this many zero bytes was cut short and filled (`_check_complete`)
ENDS_IN_DATA = {"PNG", "WEBP", "AVIF", "JPEG2000", "GIF"}  # formats whose encoders never end a file in zeros
MAX_IMAGES_COUNTED = 100  # pages or frames counted in a file: one more reads "more than 100"
TIFF_PAGES_READ = 2000  # TIFF pages looked at, previews among them (0.05 s); a file of more counts the full ones among them

# Pillow format names we accept; MPO is the multi-picture JPEG many cameras write, JPEG 2000 the format of the
# photos inside identity documents' chips (ISO/IEC 39794-5), PPM also reads PGM and PBM.
SUPPORTED_FORMATS = {"PNG", "JPEG", "MPO", "JPEG2000", "TIFF", "BMP", "GIF", "WEBP", "AVIF", "PPM"}
_FORMAT_LIST = "PNG, JPEG, JPEG 2000, TIFF, BMP, GIF, WebP, AVIF or PPM/PGM"
_SAMPLE_BYTES = {"I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2, "I": 4, "F": 4}  # every other mode: 1

# Pillow warns on the console about damaged metadata (e.g. "Corrupt EXIF data") in files
# it still decodes; a photo is judged on its pixels, so for the officer that is noise.
# Set once for the process: warnings.catch_warnings() per call would swap the process-wide
# filter list under the other threads that decode at the same time. Pillow's own
# decompression-bomb warning is covered by the header checks below.
warnings.filterwarnings("ignore", module=r"PIL(\.|$)")
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
# Pillow's own refusal at open (above 2 x 89 MP) would refuse a 200 MP phone JPEG that `_check_header` decodes at 1/8;
# the header checks there refuse every other photo above MAX_PIXELS before a pixel is decoded.
Image.MAX_IMAGE_PIXELS = 64 * MAX_PIXELS

ImageSource = str | Path | bytes | np.ndarray

log = logging.getLogger(__name__)


class ImageLoadError(ValueError):
    """The input cannot be used as a photo; the message says why in plain words and names the file."""

    sha256 = ""  # of the bytes read, where they were read but not decoded: results still name exactly which file


class PhotoChanged(ImageLoadError):
    """The file holds other bytes than the analysis was made from: its faces are not this photo's."""


class PhotoFile(NamedTuple):
    """A decoded photo file: its pixels, the SHA-256 of exactly the bytes decoded, the dpi it states, the share
    of its pixels that were not fully opaque (composited onto white) and how many images the file holds."""

    pixels: np.ndarray
    sha256: str
    dpi: float | None
    transparent: float = 0.0
    images: int = 1


def load_image(source: ImageSource) -> np.ndarray:
    """Load a file path, encoded bytes or an array as RGB uint8 HxWx3 (C-contiguous)."""
    return load_photo(source).pixels


def load_photo(source: ImageSource) -> PhotoFile:
    """A file path, encoded bytes or an array as a `PhotoFile` (an array has no hash or dpi)."""
    if isinstance(source, np.ndarray):
        return load_photo_array(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return load_photo_bytes(source)
    if isinstance(source, (str, Path)):
        return load_photo_file(source)
    raise ImageLoadError(f"Cannot load an image from a value of type {type(source).__name__}.")


def load_photo_file(path: str | os.PathLike[str]) -> PhotoFile:
    """The photo in a file, the SHA-256 of exactly the bytes that were decoded and the dpi the file states.

    One read serves all, so a file replaced or removed meanwhile can never pair
    one photo's pixels with another photo's hash.
    """
    return _photo(_read_photo_bytes(path), _file_label(path))


def load_photo_bytes(source: bytes | bytearray | memoryview) -> PhotoFile:
    """An encoded photo held in memory, as `load_photo_file` gives a file's (its hash and stated dpi too)."""
    data = bytes(source)
    if not data:
        raise ImageLoadError("The image data is empty (0 bytes).")
    return _photo(data, "The image")


def load_photo_array(array: np.ndarray) -> PhotoFile:
    """A photo handed over as an array (HxW, HxWx3 or HxWx4), as `load_photo_file` gives a file's: no hash or dpi."""
    pixels, transparent = _from_array(array)
    return PhotoFile(pixels, "", None, transparent)


def _photo(data: bytes, name: str) -> PhotoFile:
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        (pixels, transparent), dpi, images = _decode(data, name)
    except ImageLoadError as error:
        error.sha256 = sha256
        raise
    return PhotoFile(pixels, sha256, dpi, transparent, images)


def _read_photo_bytes(path: str | os.PathLike[str]) -> bytes:
    """A photo file's bytes, after checking it is a regular file within `MAX_FILE_BYTES`."""
    location = Path(path)
    name = _file_label(location)
    try:
        status = location.stat()
        size = status.st_size
        if not stat.S_ISREG(status.st_mode):
            raise ImageLoadError(f"{name} is a folder or device, not an image file.")
        if size == 0:
            raise ImageLoadError(f"{name} is empty (0 bytes); it may not have been copied completely.")
        if size > MAX_FILE_BYTES:
            raise ImageLoadError(
                f"{name} is {size:,} bytes, above the {MAX_FILE_BYTES // 2**20} MB ({MAX_FILE_BYTES:,} bytes) limit "
                "for a photo; it is refused to protect the computer. Use a smaller copy."
            )
        with open(location, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # never more, even if the file grows meanwhile
    except FileNotFoundError as exc:
        raise ImageLoadError(f"{name} does not exist (looked for {display_name(location)}); "
                             "it may have been moved or deleted.") from exc
    except OSError as exc:
        raise ImageLoadError(f"{name} cannot be read: {exc.strerror or exc}.") from exc
    if not data:
        raise ImageLoadError(f"{name} is empty (0 bytes); it may not have been copied completely.")
    if len(data) > MAX_FILE_BYTES:
        raise ImageLoadError(f"{name} grew above the {MAX_FILE_BYTES // 2**20} MB limit while it was read.")
    return data


def _file_label(path: str | os.PathLike[str]) -> str:
    return f"The file '{display_name(Path(path).name)}'"


def without_file_label(message: str, path: str | os.PathLike[str]) -> str:
    """A loading error's message without its leading "The file 'x.jpg' (is)", where the photo's name is shown beside
    it: a list row read "The file '015454_truncate…" and was cut before the reason (third walk-through)."""
    rest = message.removeprefix(_file_label(path) + " ")
    if rest == message:
        return message
    rest = rest.removeprefix("is ")
    return rest[:1].upper() + rest[1:]


def _decode(data: bytes, name: str) -> tuple[tuple[np.ndarray, float], float | None, int]:
    """The pixels as RGB uint8 with their transparent share (`_assemble`), the dpi the file states and how many
    images it holds (`_images`)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            _check_complete(data, image.format, name)
            scale = _check_header(image, name)
            images = _images(image, name)
            image.seek(0)
            image.load()
            dpi = _stated_dpi(image.info.get("dpi"), scale)
            ImageOps.exif_transpose(image, in_place=True)  # no copy of the pixels when upright already
            return _to_rgb(_in_srgb(image, name), name), dpi, images
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(
            f"{name} claims to be larger than the {MAX_PIXELS // 1_000_000} megapixel limit; "
            "it is refused to protect the computer (it may be damaged or malicious)."
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageLoadError(_unidentified_message(data, name)) from exc
    except MemoryError as exc:
        raise ImageLoadError(f"{name} is too large to open on this computer.") from exc
    except Exception as exc:  # any decoder failure means a damaged file; said to the officer, the decoder's words logged
        log.warning("%s cannot be decoded: %s", name, exc, exc_info=True)  # (a fault of ours would read as damage)
        # the decoder's "image file is truncated (3 bytes not processed)" read as 3 bytes missing, of 5 kB cut off
        what = "is incomplete: the file ends before the photo does" if "truncated" in str(exc) else "is damaged"
        raise ImageLoadError(
            f"{name} {what}, so it cannot be shown or checked. It may not have been copied or downloaded completely; "
            "ask for the original photo file again."
        ) from exc


def _check_complete(data: bytes, image_format: str | None, name: str) -> None:
    """Refuse a compressed file that ends in ZERO_TAIL_BYTES of zeros: a copy that stopped, its rest filled with zeros,
    which a WebP, AVIF or PNG decoder reads as a photo half grey or transparent without a word (fuzzing walk-through;
    none of 5,977 real photos ends in more than 5 zero bytes). Uncompressed formats may end in black pixels."""
    if image_format in ENDS_IN_DATA and len(data) >= ZERO_TAIL_BYTES and not data[-ZERO_TAIL_BYTES:].strip(b"\0"):
        raise ImageLoadError(
            f"{name} is incomplete: it ends in zeros where the photo should be, so it cannot be checked. It may not "
            "have been copied or downloaded completely; ask for the original photo file again."
        )


def _images(image: Image.Image, name: str) -> int:
    """How many images the file holds, up to MAX_IMAGES_COUNTED + 1 ("more than 100"): frames of an animation, pages of
    a TIFF but for reduced-resolution previews (NewSubfileType bit 0), one for an MPO (a camera's extra views or preview
    of the same shot). A TIFF's pages are counted by seeking, which reads their directories only, and stops past the
    cap: Pillow's own page count of a 100,000-page TIFF took 72 s (fuzzing walk-through). Other formats give their
    count without decoding a frame (seeking a GIF or APNG decodes every frame before: 101 large frames took 9-19 s).
    A file damaged after its first image counts the images read before the damage (the first is still the photo)."""
    if image.format == "MPO":
        return 1
    if not isinstance(image, TiffImagePlugin.TiffImageFile):
        try:
            return max(min(int(getattr(image, "n_frames", 1)), MAX_IMAGES_COUNTED + 1), 1)
        except Exception as exc:  # a GIF cut inside a later frame's header: its first frame is still the photo
            log.warning("%s: its images after the first could not be counted (%s)", name, exc, exc_info=True)
            return 1
    full = 0
    try:
        for index in range(TIFF_PAGES_READ):
            image.seek(index)
            full += not int(image.tag_v2.get(NEW_SUBFILE_TYPE, 0)) & 1
            if full > MAX_IMAGES_COUNTED:
                break
    except EOFError:  # past the last page
        pass
    except Exception as exc:  # a damaged later page: the photo is the first, which the decoding reads apart
        log.warning("%s: its images after the first could not all be counted (%s)", name, exc, exc_info=True)
    return max(full, 1)


def images_text(images: int) -> str:
    """A count from `_images` in words: "3", or "more than 100" where counting stopped."""
    return f"more than {MAX_IMAGES_COUNTED}" if images > MAX_IMAGES_COUNTED else str(images)


def _in_srgb(image: Image.Image, name: str) -> Image.Image:
    """The photo in sRGB where it embeds another colour profile (RGB or CMYK): converted in place where the mode
    stays. A profile that cannot be read is logged and the pixels are taken as sRGB, as every viewer without colour
    management shows them."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        stored = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(stored).lower():  # most photos: nothing to do
            return image
        mode = "RGB" if image.mode == "CMYK" else image.mode
        converted = ImageCms.profileToProfile(image, stored, _srgb(), renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                              outputMode=mode, inPlace=mode == image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError) as exc:
        log.warning("%s embeds a colour profile that could not be applied (%s); its pixels are read as sRGB", name, exc)
        return image
    return image if converted is None else converted


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _stated_dpi(value: object, scale: float = 1.0) -> float | None:
    """A file's (x, y) resolution as one dpi, of the pixels decoded at 1/`scale` of the file's size; None when absent,
    not positive, or the pixels are not square (within 1 %), since a print size cannot then be read from it."""
    try:
        x, y = (float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    if not (np.isfinite(x) and np.isfinite(y) and x > 0 and y > 0) or abs(x - y) > 0.01 * max(x, y):
        return None
    return y / scale


def _decoded_bytes(image: ImageFile.ImageFile) -> int:
    """What decoding costs: pixels x bands x bytes per sample of the file (from the header alone)."""
    width, height = image.size
    return width * height * len(image.getbands()) * _sample_bytes(image)


def _sample_bytes(image: ImageFile.ImageFile) -> int:
    """Bytes per sample: from the mode, or from the file's raw layout (a 16-bit colour PNG or TIFF opens as an
    8-bit mode, but every one of its 16-bit samples is inflated and unpacked)."""
    if image.mode in _SAMPLE_BYTES:
        return _SAMPLE_BYTES[image.mode]
    for tile in image.tile:
        rawmode = tile.args[0] if isinstance(tile.args, tuple) and tile.args else tile.args
        if isinstance(rawmode, str) and ";16" in rawmode:
            return 2
    return 1


def _check_header(image: ImageFile.ImageFile, name: str) -> float:
    """Refuse unsupported formats and bad sizes before decoding any pixels; a JPEG too large is set to be decoded at
    1/2, 1/4 or 1/8 of its size (`Image.draft`): the returned factor is its own size over the size decoded."""
    if image.format not in SUPPORTED_FORMATS:
        raise ImageLoadError(
            f"{name} is a {image.format} image, which is not supported; "
            f"use a {_FORMAT_LIST} file."
        )
    coefficients = _progressive_coefficient_bytes(image)  # at its full size, whatever size it is decoded at
    if coefficients > MAX_DECODED_BYTES * PROGRESSIVE_HEADROOM:
        raise ImageLoadError(
            f"{name} is a progressive JPEG of {image.size[0]}x{image.size[1]} pixels, which would take "
            f"{coefficients / 2**20:,.0f} MB to decode at any size; it is refused to protect the computer (it may be "
            "damaged or malicious). Use a smaller copy."
        )
    scale, stored = _jpeg_reduction(image), image.size[0]
    if scale > 1:
        log.info("%s is %dx%d pixels: decoded at 1/%d of its size", name, *image.size, scale)
        # the floor: Pillow reduces by the largest power of two that leaves at least the size asked for, so a rounded-up
        # size asked of an odd width (1201 / 2 -> 601) left it at full size, refused (review of the day's diff)
        image.draft(image.mode, (image.size[0] // scale, image.size[1] // scale))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageLoadError(
            f"{name} is {width}x{height} pixels, above the {MAX_PIXELS // 1_000_000} "
            "megapixel limit; it is refused to protect the computer. Use a smaller copy."
        )
    decoded = _decoded_bytes(image)
    if decoded > MAX_DECODED_BYTES:
        raise ImageLoadError(
            f"{name} would take {decoded / 2**20:,.0f} MB decoded ({width}x{height} {image.mode}), "
            f"above the {MAX_DECODED_BYTES // 2**20} MB limit; it is refused to protect the computer. Use a smaller copy."
        )
    _check_dimensions(width, height, name)
    return stored / width


def _progressive_coefficient_bytes(image: ImageFile.ImageFile) -> int:
    """What libjpeg holds to decode a progressive JPEG, whatever the size asked (`Image.draft` does not shrink it):
    2 bytes per coefficient of every component at full size. A 10 kB file claiming 30000x30000 pixels took 5.5 GB
    (fuzzing walk-through); 0 for any other file."""
    if image.format not in ("JPEG", "MPO") or not image.info.get("progressive"):
        return 0
    layers = getattr(image, "layer", None) or [(0, 1, 1, 0)] * len(image.getbands())
    largest = max(h * v for _, h, v, _ in layers)
    return int(2 * image.size[0] * image.size[1] * sum(h * v for _, h, v, _ in layers) / largest)


def _jpeg_reduction(image: ImageFile.ImageFile) -> int:
    """The smallest of 1, 2, 4, 8 at which a JPEG fits the pixel and decoded-size limits (1 for other formats, and
    for a JPEG that fits nowhere: the limits then refuse it)."""
    if image.format not in ("JPEG", "MPO"):
        return 1
    width, height = image.size
    per_pixel = max(1, _decoded_bytes(image) // max(1, width * height))
    for scale in (1, 2, 4, 8):
        pixels = -(-width // scale) * -(-height // scale)
        if pixels <= MAX_PIXELS and pixels * per_pixel <= MAX_DECODED_BYTES:
            return scale
    return 1


def _check_dimensions(width: int, height: int, name: str) -> None:
    if min(width, height) < MIN_SIDE_PX:
        raise ImageLoadError(
            f"{name} is only {width}x{height} pixels; a photo needs at least "
            f"{MIN_SIDE_PX} pixels on each side."
        )


# ISO base media "ftyp" brands of HEIF photos (HEIC: the default format of many phones), which Pillow cannot decode
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def _unidentified_message(head: bytes, name: str) -> str:
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return (f"{name} is a HEIC/HEIF photo (a phone's default format), which is not supported; "
                f"export or convert it to JPEG (on the phone or with any photo viewer) and open that.")
    sample = head[:512]
    text = bool(sample) and all(32 <= b < 127 or b in b"\t\r\n" for b in sample)
    if text and looks_like_analysis(sample):
        return f"{name} is not an image but text, perhaps an analysis: `pfiq report` reads those."
    if text:
        return (
            f"{name} is not an image: it contains text. It may have been renamed; "
            f"use the original {_FORMAT_LIST} photo."
        )
    return f"{name} is not a recognised image; use a {_FORMAT_LIST} file."


def _to_rgb(image: Image.Image, name: str) -> tuple[np.ndarray, float]:
    """Any Pillow mode to RGB uint8, copied out of Pillow a block of rows at a time (`_assemble`)."""
    mode = image.mode
    if mode == "P" and "transparency" not in image.info:
        image = image.convert("RGB")
    elif mode in ("P", "PA", "LA", "La", "RGBa") or (mode in ("L", "RGB") and "transparency" in image.info):
        image = image.convert("RGBA")  # (an L or RGB PNG may key one colour as transparent)
    elif mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGB")
    # L, RGB, RGBA, I;16*, I and F arrive as arrays _to_uint8 understands.
    width, height = image.size
    return _assemble(height, width, lambda top, bottom: np.asarray(image.crop((0, top, width, bottom))), name)


def _from_array(array: np.ndarray, name: str = "The image array") -> tuple[np.ndarray, float]:
    """Validate and normalise an in-memory array (HxW, HxWx1, HxWx3, HxWx4) into a new RGB uint8 array."""
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (1, 3, 4))):
        raise ImageLoadError(f"{name} has shape {array.shape}; expected HxW, HxWx3 or HxWx4.")
    height, width = array.shape[:2]
    if width * height > MAX_PIXELS:
        raise ImageLoadError(
            f"{name} is {width}x{height} pixels, above the "
            f"{MAX_PIXELS // 1_000_000} megapixel limit."
        )
    return _assemble(height, width, lambda top, bottom: array[top:bottom], name)


def _assemble(height: int, width: int, rows_of: Callable[[int, int], np.ndarray], name: str) -> tuple[np.ndarray, float]:
    """The RGB uint8 photo built block by block from `rows_of(top, bottom)` (any supported layout and type), and the
    share of its pixels that were not fully opaque."""
    _check_dimensions(width, height, name)
    out = np.empty((height, width, 3), np.uint8)
    step = max(1, BLOCK_PIXELS // width)
    see_through = 0
    for top in range(0, height, step):
        bottom = min(top + step, height)
        block = _to_uint8(rows_of(top, bottom), name)
        if block.ndim == 3 and block.shape[2] == 1:
            block = block[:, :, 0]
        if block.ndim == 2:
            out[top:bottom] = block[:, :, None]
        elif block.shape[2] == 4:
            out[top:bottom] = composite_on_white(block)
            see_through += int(np.count_nonzero(block[:, :, 3] < 255))
        else:
            out[top:bottom] = block
    return out, see_through / (height * width)


def _to_uint8(block: np.ndarray, name: str) -> np.ndarray:
    """Samples of any supported type as uint8: 16-bit (and Pillow's int32 "I") scaled, floats as 0..1."""
    if block.dtype == np.uint8:
        return block
    if np.issubdtype(block.dtype, np.integer):
        wider = block.dtype.itemsize > 2 or np.issubdtype(block.dtype, np.signedinteger)  # e.g. Pillow's int32 "I"
        if wider and block.size and (block.min() < 0 or block.max() > 65535):
            raise ImageLoadError(f"{name} has pixel values outside the 0..65535 range.")
        return ((block.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if np.issubdtype(block.dtype, np.floating):
        if not np.isfinite(block).all():
            raise ImageLoadError(f"{name} contains invalid (NaN or infinite) pixel values.")
        scaled: np.ndarray = np.rint(np.clip(block, 0.0, 1.0) * 255.0).astype(np.uint8)
        return scaled
    raise ImageLoadError(f"{name} has pixels of type {block.dtype}, which is not supported.")


def composite_on_white(rgba: np.ndarray) -> np.ndarray:
    """RGBA uint8 -> RGB uint8 over white, in integer arithmetic: x = c*a + 255*(255-a) + 127, then x // 255.

    x is at most 255*255 + 127 = 65152, so uint16 holds it, and x // 255 is computed
    as (x + 1 + (x >> 8)) >> 8 (exact below 65535; twice as fast as integer division).
    """
    alpha = rgba[:, :, 3:4].astype(np.uint16)
    mixed = rgba[:, :, :3].astype(np.uint16)
    mixed *= alpha
    mixed += (255 - alpha) * 255 + 127
    mixed += (mixed >> 8) + 1
    mixed >>= 8
    return mixed.astype(np.uint8)
