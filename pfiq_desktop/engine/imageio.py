"""Safe photo loading: every input becomes an RGB uint8 HxWx3 C-contiguous array.

Anything that cannot become a usable photo raises :class:`ImageLoadError` with a
message an officer can act on; Pillow's own exceptions and warnings never escape.
Size limits are checked from the file header before any pixel is decoded, so a
hostile "decompression bomb" costs nothing.

Conventions:
- EXIF orientation is applied, so the array is the photo as a person sees it.
- Transparent pixels are composited onto white: a cut-out passport photo is meant to
  be seen (and printed) on white paper, and dropping alpha would expose whatever
  colour the editor left in invisible pixels.
- 16-bit greyscale files and uint16 arrays are scaled to 8 bit (value * 255 / 65535,
  rounded); Pillow itself reduces 16-bit colour files to 8 bit (high byte, which is
  within one level of that). Float arrays are taken as 0..1 and clipped.
- Animated GIF/WebP and multi-page TIFF: the first frame.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MIN_SIDE_PX = 32
MAX_PIXELS = 60_000_000

# Pillow format names we accept; MPO is the multi-picture JPEG many cameras write.
SUPPORTED_FORMATS = {"PNG", "JPEG", "MPO", "TIFF", "BMP", "GIF", "WEBP"}
_FORMAT_LIST = "PNG, JPEG, TIFF, BMP, GIF or WebP"

ImageSource = str | Path | bytes | np.ndarray


class ImageLoadError(ValueError):
    """The input cannot be used as a photo; the message says why in plain words."""


def load_image(source: ImageSource) -> np.ndarray:
    """Load a file path, encoded bytes or an array as RGB uint8 HxWx3 (C-contiguous)."""
    if isinstance(source, np.ndarray):
        return _from_array(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise ImageLoadError("The image data is empty (0 bytes).")
        return _decode(io.BytesIO(data), "The image")
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = f"The file '{path.name}'"
        try:
            if not path.exists():
                raise ImageLoadError(f"{name} does not exist (looked for {path}).")
            if not path.is_file():
                raise ImageLoadError(f"{name} is a folder or device, not an image file.")
            if path.stat().st_size == 0:
                raise ImageLoadError(
                    f"{name} is empty (0 bytes); it may not have been copied completely."
                )
            data = path.read_bytes()
        except OSError as exc:
            raise ImageLoadError(f"{name} cannot be read: {exc.strerror or exc}.") from exc
        return _decode(io.BytesIO(data), name)
    raise ImageLoadError(f"Cannot load an image from a value of type {type(source).__name__}.")


def _decode(stream: io.BytesIO, name: str) -> np.ndarray:
    try:
        # Pillow warns (and above 2x its limit raises) about huge images while opening;
        # both must become our error, never a warning on the console. (catch_warnings
        # swaps the process-wide filter list briefly; harmless for this one category.)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                _check_header(image, name)
                image.seek(0)
                image.load()
                return _to_rgb(ImageOps.exif_transpose(image), name)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(
            f"{name} claims to be larger than the {MAX_PIXELS // 1_000_000} megapixel limit; "
            "it is refused to protect the computer (it may be damaged or malicious)."
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageLoadError(_unidentified_message(stream.getvalue(), name)) from exc
    except MemoryError as exc:
        raise ImageLoadError(f"{name} is too large to open on this computer.") from exc
    except Exception as exc:  # any decoder failure means a damaged file
        raise ImageLoadError(
            f"{name} is damaged or incomplete and cannot be decoded ({exc}). "
            "Ask for the original photo file again."
        ) from exc


def _check_header(image: Image.Image, name: str) -> None:
    """Refuse unsupported formats and bad sizes before decoding any pixels."""
    if image.format not in SUPPORTED_FORMATS:
        raise ImageLoadError(
            f"{name} is a {image.format} image, which is not supported; "
            f"use a {_FORMAT_LIST} file."
        )
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageLoadError(
            f"{name} is {width}x{height} pixels, above the {MAX_PIXELS // 1_000_000} "
            "megapixel limit; it is refused to protect the computer. Use a smaller copy."
        )
    _check_dimensions(width, height, name)


def _check_dimensions(width: int, height: int, name: str) -> None:
    if min(width, height) < MIN_SIDE_PX:
        raise ImageLoadError(
            f"{name} is only {width}x{height} pixels; a photo needs at least "
            f"{MIN_SIDE_PX} pixels on each side."
        )


def _unidentified_message(head: bytes, name: str) -> str:
    sample = head[:512]
    if sample and all(32 <= b < 127 or b in b"\t\r\n" for b in sample):
        return (
            f"{name} is not an image: it contains text. It may have been renamed; "
            f"use the original {_FORMAT_LIST} photo."
        )
    return f"{name} is not a recognised image; use a {_FORMAT_LIST} file."


def _to_rgb(image: Image.Image, name: str) -> np.ndarray:
    """Any Pillow mode to RGB uint8; 16-bit modes keep full precision until scaling."""
    mode = image.mode
    if mode == "P" and "transparency" not in image.info:
        image = image.convert("RGB")
    elif mode in ("P", "PA", "LA", "La", "RGBa"):
        image = image.convert("RGBA")
    elif mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGB")
    # L, RGB, RGBA, I;16*, I and F arrive as arrays _from_array understands.
    return _from_array(np.asarray(image), name)


def _from_array(array: np.ndarray, name: str = "The image array") -> np.ndarray:
    """Validate and normalise an in-memory array (HxW, HxWx1, HxWx3, HxWx4)."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ImageLoadError(f"{name} has shape {array.shape}; expected HxW, HxWx3 or HxWx4.")
    height, width = array.shape[:2]
    if width * height > MAX_PIXELS:
        raise ImageLoadError(
            f"{name} is {width}x{height} pixels, above the "
            f"{MAX_PIXELS // 1_000_000} megapixel limit."
        )
    _check_dimensions(width, height, name)
    values = _to_unit_range(array)
    if values.ndim == 2:
        values = np.repeat(values[:, :, None], 3, axis=2)
    elif values.shape[2] == 4:
        alpha = values[:, :, 3:4]
        values = values[:, :, :3] * alpha + (1.0 - alpha)
    if values.dtype == np.uint8:
        return np.ascontiguousarray(values)
    return np.ascontiguousarray(np.rint(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8))


def _to_unit_range(array: np.ndarray) -> np.ndarray:
    """uint8 stays as is (fast path, unless alpha needs blending); others go to 0..1."""
    if array.dtype == np.uint8:
        if array.ndim == 3 and array.shape[2] == 4:
            return array.astype(np.float32) / 255.0
        return array.copy()
    if array.dtype == np.uint16:
        return array.astype(np.float32) / 65535.0
    if np.issubdtype(array.dtype, np.integer):
        # Pillow gives 16-bit greyscale as int32 ("I" mode): values are 0..65535.
        if array.min() < 0 or array.max() > 65535:
            raise ImageLoadError("The image has pixel values outside the 0..65535 range.")
        return array.astype(np.float32) / 65535.0
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ImageLoadError("The image contains invalid (NaN or infinite) pixel values.")
        return array.astype(np.float32)
    raise ImageLoadError(f"Images of pixel type {array.dtype} are not supported.")
