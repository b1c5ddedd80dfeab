"""`Analyzer.analyse_batch`: faces of several photos in one network batch give the one-photo results, in order."""

from __future__ import annotations

import cv2
import numpy as np

from tests.photos import ENGINE_MAP_TOLERANCE

# Float32 batches sum in another order than single photos (descriptors differ by ~1e-7); the probe
# ensemble's -log(1 - cos) and the steep calibration turn that into up to ~4e-5 of calibrated quality.
QUALITY_TOLERANCE = 1e-4


def test_batch_equals_one_photo_at_a_time(analyzer, astronaut, tmp_path):
    bgr = cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR)
    photos = []
    for name, image in (
        ("a.png", bgr),
        ("b_blurred.png", cv2.GaussianBlur(bgr, (0, 0), 2.0)),
        ("c_pair.png", np.concatenate([bgr, cv2.flip(bgr, 1)], axis=1)),  # two faces in one photo
        ("d_wall.png", np.full((300, 300, 3), 120, np.uint8)),  # no face
    ):
        cv2.imwrite(str(tmp_path / name), image)
        photos.append(tmp_path / name)
    (tmp_path / "e_broken.jpg").write_bytes(b"not a photo")
    photos.append(tmp_path / "e_broken.jpg")

    single = [analyzer.analyse(p) for p in photos]
    batch = list(analyzer.analyse_batch(photos, batch_faces=3, workers=2, threads=2))  # detection in 2 processes
    assert [a.source for a in batch] == [str(p) for p in photos]
    counts = [len(a.faces) for a in single]
    assert [len(a.faces) for a in batch] == counts and counts[:2] == [1, 1] and counts[2] >= 2 and counts[3:] == [0, 0]
    assert batch[4].errors and batch[4].errors == single[4].errors
    for one, many in zip(single, batch):
        for face_one, face_many in zip(one.faces, many.faces):
            assert abs(face_one.quality - face_many.quality) < QUALITY_TOLERANCE
            assert np.abs(face_one.plq_chip - face_many.plq_chip).max() < ENGINE_MAP_TOLERANCE
            assert np.abs(face_one.embedding - face_many.embedding).max() < 1e-5
        assert [(c.id, c.face_index, c.verdict) for c in one.checks] == [(c.id, c.face_index, c.verdict) for c in many.checks]
        assert set(many.timings) >= {"total"} and many.timings["total"] > 0


def test_the_second_face_of_a_photo_gets_the_quality_it_gets_alone(analyzer, astronaut):
    """Probes are drawn per face, not per batch position: a face's quality does not depend on its neighbours."""
    pair = np.ascontiguousarray(np.concatenate([astronaut, np.fliplr(astronaut)], axis=1))
    together = analyzer.analyse(pair)
    alone = analyzer.analyse(np.ascontiguousarray(np.fliplr(astronaut)))
    mirrored = min(together.faces, key=lambda f: -f.box[0])  # the face on the right half
    assert abs(mirrored.quality - alone.faces[0].quality) < QUALITY_TOLERANCE


def test_each_photo_of_a_batch_records_when_it_was_analysed(analyzer, astronaut, tmp_path, monkeypatch):
    # every photo of a batch carried the batch's start time: a summary read "Analysed 23:18:07 - 23:18:07" for 20 s
    import datetime as real

    from pfiq_desktop.engine import analyzer as module

    class Clock:
        ticks = 0

        @classmethod
        def now(cls, tz: real.tzinfo | None = None) -> real.datetime:
            cls.ticks += 1
            return real.datetime(2026, 12, 4, 12, 0, 0, tzinfo=tz) + real.timedelta(seconds=cls.ticks)

    photos = []
    for index in range(3):
        photos.append(tmp_path / f"p{index}.png")
        cv2.imwrite(str(photos[-1]), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    monkeypatch.setattr(module, "datetime", Clock)
    created = [a.created for a in analyzer.analyse_batch(photos, batch_faces=1, workers=1, threads=1)]
    assert len(set(created)) == 3 and created == sorted(created), created
