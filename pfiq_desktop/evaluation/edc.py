"""Error-versus-discard characteristic (EDC) of a scalar quality, the ISO/IEC 29794-1 way.

Protocol (ISO/IEC 29794-1:2024, EDC; Schlett et al., "Considerations on the evaluation of
biometric quality assessment algorithms", IEEE T-BIOM 2023):

- every pair of photos of the set is compared (cosine of the descriptors); the decision
  threshold is fixed at a target FMR (1e-3, 1e-2) over *all* impostor pairs, *before*
  anything is discarded, and never moved afterwards;
- a genuine pair's quality is the lower quality of its two photos;
- discarding the lowest-quality fraction f of the genuine pairs (0..50 %), the FNMR of the
  rest is the EDC at f. Ties in pair quality (one photo in several pairs) count with their
  expectation under a random order, so the curve does not depend on sort accidents;
- bounds: the random ordering keeps FNMR constant (in expectation); the ideal ordering
  discards the failing pairs first;
- summary: the partial area under the EDC over f in [0, 0.2], as a ratio to the random
  ordering's area (1 = no information, lower = better, the ideal ordering's ratio is the
  floor), and the FNMR at f = 10 %;
- uncertainty: percentile bootstrap over identities (identities resampled with
  replacement with all their genuine pairs; thresholds held fixed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FMRS = (1e-3, 1e-2)
PAUC_LIMIT = 0.2
DISCARD_GRID = np.round(np.arange(0.0, 0.5001, 0.01), 2)


@dataclass(frozen=True)
class Comparisons:
    """Genuine pairs of an identity set with decision thresholds fixed over its impostor pairs.

    `pairs` (k x 2) index the photos, `scores` are the pairs' cosine similarities,
    `identity` the index of each pair's identity, `thresholds` the score threshold per FMR.
    """

    pairs: np.ndarray
    scores: np.ndarray
    identity: np.ndarray
    thresholds: dict[float, float]
    impostor_count: int

    def errors(self, fmr: float) -> np.ndarray:
        """True where the genuine pair is falsely rejected (score below this FMR's threshold)."""
        return np.asarray(self.scores < self.thresholds[fmr])


def threshold_at_fmr(impostor: np.ndarray, fmr: float) -> float:
    """Smallest threshold t at which at most `fmr` of the impostor scores are accepted (s >= t)."""
    ordered = np.sort(np.asarray(impostor, dtype=float))[::-1]
    allowed = int(np.floor(fmr * len(ordered)))
    if allowed >= len(ordered):
        return float(ordered[-1])
    return float(np.nextafter(ordered[allowed], np.inf))


def compare_all(embeddings: np.ndarray, identities: np.ndarray | list[str], fmrs: tuple[float, ...] = FMRS) -> Comparisons:
    """All pairs of the set: genuine pairs kept, impostor pairs used for the thresholds only."""
    e = np.asarray(embeddings, dtype=float)
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    _, ident = np.unique(np.asarray(identities), return_inverse=True)
    sims = e @ e.T
    i, j = np.triu_indices(len(e), k=1)
    genuine = ident[i] == ident[j]
    impostor = sims[i[~genuine], j[~genuine]]
    if impostor.size == 0:
        raise ValueError("no impostor pairs: the set needs at least two identities")
    thresholds = {fmr: threshold_at_fmr(impostor, fmr) for fmr in fmrs}
    gi, gj = i[genuine], j[genuine]
    return Comparisons(np.stack([gi, gj], 1), sims[gi, gj], ident[gi], thresholds, int(impostor.size))


def pair_quality(quality: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """A genuine pair's quality: the lower of its two photos'."""
    return np.asarray(np.minimum(quality[pairs[:, 0]], quality[pairs[:, 1]]))


def fnmr_curve(errors: np.ndarray, pair_q: np.ndarray) -> np.ndarray:
    """FNMR after discarding the j lowest-quality genuine pairs, j = 0..n-1 (index = j).

    Within a run of tied qualities the errors are spread evenly (a random order in the tie).
    """
    n = len(errors)
    order = np.argsort(pair_q, kind="stable")
    q, err = pair_q[order], errors[order].astype(float)
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    sizes = np.diff(np.r_[starts, n])
    group_err = np.add.reduceat(err, starts)
    removed_before = np.r_[0.0, np.cumsum(group_err)[:-1]]
    discarded = np.arange(n)
    g = np.searchsorted(starts, discarded, side="right") - 1
    removed = removed_before[g] + group_err[g] * (discarded - starts[g]) / sizes[g]
    return np.asarray((err.sum() - removed) / (n - discarded))


def ideal_curve(errors: np.ndarray) -> np.ndarray:
    """The ideal ordering's EDC: the failing pairs are discarded first."""
    n, e = len(errors), float(np.sum(errors))
    j = np.arange(n)
    return np.asarray(np.maximum(e - j, 0.0) / (n - j))


def photo_oracle(comparisons: Comparisons, fmr: float, photos: int) -> np.ndarray:
    """Per photo (0..photos-1), the share of its own genuine pairs that pass at `fmr` (1 without any pair).

    As a quality it is the best a *per-photo* score can know about these pairs (it has seen
    their outcomes), so its EDC bounds what any photo quality can reach on a set; the
    ideal ordering, which ranks pairs, can be far lower than anything a photo score reaches.
    """
    members = comparisons.pairs.ravel()
    passed = np.repeat(~comparisons.errors(fmr), 2).astype(float)
    count = np.bincount(members, minlength=photos)
    share = np.bincount(members, weights=passed, minlength=photos) / np.maximum(count, 1)
    return np.asarray(np.where(count > 0, share, 1.0))


def at_fraction(curve: np.ndarray, fraction: float) -> float:
    """The EDC's FNMR after discarding `fraction` of the genuine pairs."""
    return float(curve[min(int(round(fraction * len(curve))), len(curve) - 1)])


def partial_auc(curve: np.ndarray, limit: float = PAUC_LIMIT) -> float:
    """Area under the step EDC over discard fractions [0, limit] (each pair is a step of width 1/n)."""
    n = len(curve)
    return float(curve[: int(round(limit * n))].sum() / n)


@dataclass(frozen=True)
class EdcResult:
    """One quality's EDC on one set at one FMR, with 95 % bootstrap intervals over identities."""

    fmr: float
    threshold: float
    pairs: int
    errors: int
    fnmr: float  # nothing discarded (= the random ordering's expected FNMR at any fraction)
    fnmr_10: float  # after discarding the 10 % lowest-quality pairs
    fnmr_10_ci: tuple[float, float]
    pauc: float
    pauc_random: float
    pauc_ideal: float
    ratio: float  # pauc / pauc_random: 1 = random, lower = better
    ratio_ci: tuple[float, float]
    curve: np.ndarray  # FNMR at DISCARD_GRID
    ideal: np.ndarray  # the ideal ordering's FNMR at DISCARD_GRID

    @property
    def ideal_ratio(self) -> float:
        """The best ratio any quality could reach on these pairs."""
        return self.pauc_ideal / self.pauc_random if self.pauc_random > 0 else float("nan")


def _ratio_and_fnmr10(errors: np.ndarray, pair_q: np.ndarray) -> tuple[float, float]:
    if len(errors) == 0 or not errors.any():
        return float("nan"), 0.0 if len(errors) else float("nan")
    curve = fnmr_curve(errors, pair_q)
    return partial_auc(curve) / (PAUC_LIMIT * float(errors.mean())), at_fraction(curve, 0.1)


def evaluate_edc(
    comparisons: Comparisons, quality: np.ndarray, fmr: float = 1e-3, boots: int = 1000, seed: int = 0
) -> EdcResult:
    """EDC of `quality` (one value per photo, higher = better) at `fmr`, with identity-bootstrap intervals."""
    errors = comparisons.errors(fmr)
    if len(errors) == 0:
        raise ValueError("no genuine pairs: at least one identity needs two photos with a face")
    pq = pair_quality(np.asarray(quality, dtype=float), comparisons.pairs)
    curve = fnmr_curve(errors, pq)
    ideal = ideal_curve(errors)
    pauc_random = PAUC_LIMIT * float(errors.mean())
    ratio, fnmr_10 = _ratio_and_fnmr10(errors, pq)
    members = [np.flatnonzero(comparisons.identity == k) for k in np.unique(comparisons.identity)]
    rng = np.random.default_rng(seed)
    ratios, tens = np.full(boots, np.nan), np.full(boots, np.nan)
    for b in range(boots):
        idx = np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))])
        ratios[b], tens[b] = _ratio_and_fnmr10(errors[idx], pq[idx])

    def interval(values: np.ndarray) -> tuple[float, float]:
        if np.all(np.isnan(values)):
            return float("nan"), float("nan")
        low, high = np.nanpercentile(values, [2.5, 97.5])
        return float(low), float(high)

    return EdcResult(
        fmr=fmr,
        threshold=comparisons.thresholds[fmr],
        pairs=len(errors),
        errors=int(errors.sum()),
        fnmr=float(errors.mean()),
        fnmr_10=fnmr_10,
        fnmr_10_ci=interval(tens),
        pauc=partial_auc(curve),
        pauc_random=pauc_random,
        pauc_ideal=partial_auc(ideal),
        ratio=ratio,
        ratio_ci=interval(ratios),
        curve=np.array([at_fraction(curve, f) for f in DISCARD_GRID]),
        ideal=np.array([at_fraction(ideal, f) for f in DISCARD_GRID]),
    )


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    ra, rb = _ranks(np.asarray(a, dtype=float)), _ranks(np.asarray(b, dtype=float))
    return float(np.corrcoef(ra, rb)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return np.asarray(sums[inverse] / counts[inverse])
