"""Error-versus-discard characteristic (EDC) of a scalar quality on identity sets.

All pairs of the identity set are compared (cosine of the dlib descriptors). The decision
threshold is fixed on the full set at FMR = 1e-3 (and 1e-2). A pair's quality is the lower
quality of its two images; discarding the lowest-quality fraction f of the genuine pairs
(0..50 %), FNMR is measured on the rest. A useful quality lowers FNMR as f grows; the area
under the EDC (0..50 %, divided by the width) summarises it (lower is better).
"""

from __future__ import annotations

import numpy as np

DISCARD = np.round(np.arange(0.0, 0.501, 0.05), 2)


def pair_scores(embeddings: np.ndarray, identities: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper-triangle pairs: scores, same-identity flags, and index pairs (k x 2)."""
    e = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    sims = e @ e.T
    i, j = np.triu_indices(len(e), k=1)
    ids = np.asarray(identities)
    return sims[i, j], ids[i] == ids[j], np.stack([i, j], axis=1)


def threshold_at_fmr(impostor: np.ndarray, fmr: float) -> float:
    return float(np.quantile(impostor, 1 - fmr))


def edc_curve(
    scores: np.ndarray, genuine: np.ndarray, pairs: np.ndarray, quality: np.ndarray, fmr: float, discard: np.ndarray = DISCARD
) -> np.ndarray:
    tau = threshold_at_fmr(scores[~genuine], fmr)
    pair_q = np.minimum(quality[pairs[:, 0]], quality[pairs[:, 1]])[genuine]
    g = scores[genuine]
    order = np.argsort(pair_q, kind="stable")
    out = []
    for f in discard:
        kept = order[int(round(f * len(order))) :]
        out.append(float(np.mean(g[kept] < tau)) if len(kept) else float("nan"))
    return np.array(out)


def edc_auc(curve: np.ndarray, discard: np.ndarray = DISCARD) -> float:
    return float(np.sum((curve[1:] + curve[:-1]) * np.diff(discard)) / 2 / (discard[-1] - discard[0]))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def mean_genuine(embeddings: np.ndarray, identities: list[str]) -> np.ndarray:
    """Each image's mean cosine to the other images of its identity (NaN when it has none)."""
    e = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    sims = e @ e.T
    ids = np.asarray(identities)
    out = []
    for k in range(len(ids)):
        same = (ids == ids[k]) & (np.arange(len(ids)) != k)
        out.append(float(sims[k, same].mean()) if same.any() else float("nan"))
    return np.array(out)
