"""The development identity sets for the scalar quality: listing, identity split, chips and features, cached.

Sets (read `../shared/data/faces/SOURCES.md`; evaluation only, never shipped):
identity_lfw_dev (in the wild), defects_yaleb_light_dev (64 light directions per subject)
and identity_orl. Identities are split into a development and a test half with a fixed
seed (SPLIT_SEED); tune and train on the development half only, report both.

Faces: the product's detector; when a photo holds several faces, the one nearest the
photo centre. Extended Yale B crops are tight, so they are padded (half the height each
side, the photo's median grey) before detection; HOG misses most side-lit faces there, and
a missed Yale B face gets the landmarks of the same subject's frontal-light photo (same
pose and camera, only the light differs), status 2. Other missed faces are failures to
acquire (status 0) and are left out of every comparison.

Cache (`--cache` folder): `<set>_chips.npz` (files, ids, chips, lm5, status) and
`<set>_emb.npz` (index of the photos with a chip, desc/desc_m: descriptors of the chip and
its mirror, stats/stats_m: the learned head's input statistics), and
`<set>_raw_<estimator>.npy` (raw quality per photo with a chip, as the product computes it
for one face at a time).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch

from pfiq_desktop.engine.backbones.dlib_resnet import DlibResNet, load_dlib_resnet
from pfiq_desktop.engine.faces import DetectedFace, FaceDetector, chip_transform, extract_chip
from pfiq_desktop.engine.imageio import load_image
from pfiq_desktop.engine.quality import make_estimator
from pfiq_desktop.evaluation.data import LFW_SPLIT_SEED, development_half

SETS = ("identity_lfw_dev", "defects_yaleb_light_dev", "identity_orl")
SPLIT_SEED = LFW_SPLIT_SEED  # one seed splits every set
YALEB = "defects_yaleb_light_dev"
YALEB_PAD = 0.5
YALEB_FRONTAL = "P00A+000E+00"
HEAD_BLOCKS = (2, 6, 9)  # the residual blocks whose outputs the learned head reads


def listing(faces: Path, name: str) -> tuple[list[Path], np.ndarray]:
    """Photo paths and identity labels of one set, in a fixed order."""
    root = faces / name
    if name == YALEB:
        with open(root / "labels.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        return [root / r["file"] for r in rows], np.array([r["identity"] for r in rows])
    files = sorted(root.glob("*/*.jpg" if name == "identity_lfw_dev" else "s*/*.png"))
    return files, np.array([f.parent.name for f in files])


def split_identities(ids: np.ndarray, seed: int = SPLIT_SEED) -> np.ndarray:
    """True for photos whose identity is in the development half (evaluation/data.py owns the split)."""
    return development_half(ids, seed)


def pad_yaleb(rgb: np.ndarray) -> np.ndarray:
    p = int(round(rgb.shape[0] * YALEB_PAD))
    return np.pad(rgb, ((p, p), (p, p), (0, 0)), mode="constant", constant_values=int(np.median(rgb)))


def centre_face(faces: list[DetectedFace], shape: tuple[int, ...]) -> DetectedFace:
    cy, cx = shape[0] / 2, shape[1] / 2
    return min(faces, key=lambda f: ((f.box[0] + f.box[2]) / 2 - cx) ** 2 + ((f.box[1] + f.box[3]) / 2 - cy) ** 2)


def detect_set(faces: Path, name: str) -> dict[str, np.ndarray]:
    """Chips (N x 150 x 150 x 3 uint8), 5-point landmarks and status (1 found, 2 transferred, 0 missed)."""
    files, ids = listing(faces, name)
    detector = FaceDetector()
    n = len(files)
    chips = np.zeros((n, 150, 150, 3), np.uint8)
    lm5 = np.zeros((n, 5, 2), np.float32)
    status = np.zeros(n, np.int8)
    images = []
    for k, path in enumerate(files):
        image = load_image(path)
        if name == YALEB:
            image = pad_yaleb(image)
            images.append(image)
        found = detector.detect(image)
        if found:
            face = centre_face(found, image.shape)
            lm5[k], status[k] = face.landmarks5, 1
            chips[k] = extract_chip(image, chip_transform(face.landmarks5))
    if name == YALEB:
        for subject in np.unique(ids):
            members = np.flatnonzero(ids == subject)
            frontal = [k for k in members if YALEB_FRONTAL in files[k].name and status[k] == 1]
            for k in members[status[members] == 0]:
                if frontal:
                    lm5[k], status[k] = lm5[frontal[0]], 2
                    chips[k] = extract_chip(images[k], chip_transform(lm5[k]))
    relative = np.array([str(f.relative_to(faces)) for f in files])
    return {"files": relative, "ids": ids, "chips": chips, "lm5": lm5, "status": status}


def forward_set(net: DlibResNet, chips: np.ndarray, batch: int = 16) -> dict[str, np.ndarray]:
    """Descriptors and head statistics of the chips and of their mirror images."""
    out: dict[str, list[np.ndarray]] = {"desc": [], "desc_m": [], "stats": [], "stats_m": []}
    with torch.no_grad():
        for start in range(0, len(chips), batch):
            x = torch.from_numpy(chips[start : start + batch]).permute(0, 3, 1, 2).float().contiguous()
            both = torch.cat([x, x.flip(dims=[3])])
            desc, stats = net(both), net.stage_statistics(both, HEAD_BLOCKS)
            n = len(x)
            out["desc"].append(desc[:n].numpy())
            out["desc_m"].append(desc[n:].numpy())
            out["stats"].append(stats[:n].numpy())
            out["stats_m"].append(stats[n:].numpy())
    return {k: np.concatenate(v) for k, v in out.items()}


def load_set(faces: Path, cache: Path, name: str) -> dict[str, np.ndarray]:
    """Photos with a chip (status > 0): files, ids, status, dev flag, desc(_m), stats(_m); cached as npz."""
    chips_file, emb_file = cache / f"{name}_chips.npz", cache / f"{name}_emb.npz"
    if not chips_file.exists():
        np.savez_compressed(chips_file, **detect_set(faces, name))
    chips = np.load(chips_file)
    if not emb_file.exists():
        index = np.flatnonzero(chips["status"] > 0)
        np.savez(emb_file, index=index, **forward_set(load_dlib_resnet(), chips["chips"][index]))
    emb = np.load(emb_file)
    index = emb["index"]
    data = {k: emb[k] for k in ("desc", "desc_m", "stats", "stats_m")}
    data.update(
        index=index,
        files=chips["files"][index],
        ids=chips["ids"][index],
        status=chips["status"][index],
        dev=split_identities(chips["ids"])[index],
        photos_total=np.array(len(chips["files"])),
    )
    return data


def chips_of(cache: Path, name: str, index: np.ndarray) -> np.ndarray:
    return np.asarray(np.load(cache / f"{name}_chips.npz")["chips"][index])


def raw_qualities(cache: Path, name: str, estimator: str, index: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Raw quality of the chips `index[rows]` by a product estimator, one face per call; cached per set.

    The cache file holds one value per photo with a chip (NaN where not yet computed).
    """
    path = cache / f"{name}_raw_{estimator}.npy"
    values = np.load(path) if path.exists() else np.full(len(index), np.nan)
    todo = rows[np.isnan(values[rows])]
    if len(todo):
        est, net = make_estimator(estimator), load_dlib_resnet()
        chips = chips_of(cache, name, index[todo])
        with torch.no_grad():
            for k, chip in zip(todo, chips):
                x = torch.from_numpy(chip[None]).permute(0, 3, 1, 2).float().contiguous()
                values[k] = float(est.raw(net, x).item())
        np.save(path, values)
    return np.asarray(values[rows])
