"""Write a set of reports for many photos, with progress and cooperative cancel (GUI and CLI).

`export_reports` is a plain function: the GUI runs it in a worker thread with
`progress` and `should_cancel` callbacks (Orange's TaskState habit), the CLI
runs it directly. Every file is written atomically; a cancelled or failed run
leaves the files already finished and no partial file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from pfiq_desktop.atomic import OutputError
from pfiq_desktop.engine.filenames import first_few
from pfiq_desktop.reports.batch import Progress, write_batch_summary
from pfiq_desktop.reports.drawing import undrawable
from pfiq_desktop.reports.export import write_csv, write_json
from pfiq_desktop.reports.figures import save_annotated_png
from pfiq_desktop.reports.inputs import ReportItem
from pfiq_desktop.reports.naming import BATCH_FILES, PER_PHOTO_FORMATS, SUMMARY_NAME, free_stem, over_photos, unique_stems
from pfiq_desktop.reports.paged import ReportCancelled
from pfiq_desktop.reports.pdf_report import write_pdf_report
from pfiq_desktop.review.values import counted

log = logging.getLogger(__name__)

_RESERVED_STEMS = tuple(dict.fromkeys(Path(name).stem for name in BATCH_FILES.values()))


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    pages: dict[Path, int] = field(default_factory=dict)
    photo_problems: list[str] = field(default_factory=list)  # "NAME: why its report shows no photo", one per photo
    not_drawn: list[str] = field(default_factory=list)  # "NAME: which reports could not be drawn, why", one per photo
    undrawable: str = ""  # characters of names and notes no font here draws: boxes in the PDF and PNG reports

    @property
    def problems(self) -> list[str]:
        return self.photo_problems + self.not_drawn

    @property
    def font_note(self) -> str:
        """What to do about `undrawable`, or ''. Not a photo's problem: the CSV and JSON keep the text."""
        if not self.undrawable:
            return ""
        return (f"Some characters cannot be drawn with this computer's fonts and show as empty boxes in the PDF and PNG "
                f"reports: {self.undrawable}. Install a font for that script (on Debian or Ubuntu: fonts-wqy-microhei "
                "for Chinese, Japanese and Korean, which scripts/setup.sh installs when run as root) and export again; "
                "the CSV and JSON files keep the text.")


def kept_text(written: Sequence[Path], out_dir: str | Path, again: str) -> str:
    """What a failed export left: the files finished before it (whole, the first few named) and `again`, how to
    finish; or that none was."""
    if not written:
        return f"No report was written to {out_dir}."
    count = f"{counted(len(written), 'file')} finished before it {'were' if len(written) != 1 else 'was'}"
    return f"{count} kept in {out_dir} ({again}): {first_few([path.name for path in written], 5)}."


def _drawn_words(items: Sequence[ReportItem], officer: str) -> Iterator[str]:
    """The text people typed or named that the PDF and PNG reports draw: file names, officers, notes."""
    yield officer
    for item in items:
        yield item.name
        if item.decision is not None:
            yield from (item.decision.officer, item.decision.note)
        for entry in item.audit:
            yield from (entry.officer, entry.note)


def planned_outputs(items: Sequence[ReportItem], out_dir: str | Path, formats: Sequence[str],
                    beside: bool = False) -> list[tuple[str, Path, int | None]]:
    """(kind, path, item index or None) for everything `export_reports` would write, in order; `beside`: no file there
    is replaced, an output whose name is taken gets the next number (IMG_0001_2.pdf), as `pfiq analyse` names them."""
    out = Path(out_dir)
    formats = list(formats)
    if "pdf" in formats and len(items) > 1 and "summary" not in formats:
        formats.append("summary")
    kinds = [kind for kind in PER_PHOTO_FORMATS if kind in formats]

    def on_disk(stem: str) -> bool:
        return beside and any((out / f"{stem}.{kind}").exists() for kind in kinds)

    stems = unique_stems([*_RESERVED_STEMS, *(item.analysis.source for item in items)], on_disk)[len(_RESERVED_STEMS):]
    plan: list[tuple[str, Path, int | None]] = []
    for index, stem in enumerate(stems):
        plan.extend((kind, out / f"{stem}.{kind}", index) for kind in kinds)
    for kind, name in BATCH_FILES.items():
        if kind in formats:
            base, suffix = Path(name).stem, Path(name).suffix
            planned = {path.name.casefold() for _, path, _ in plan}
            stem = free_stem(base, partial(_taken, out, suffix, planned)) if beside else base
            plan.append((kind, out / f"{stem}{suffix}", None))
    return plan


def _taken(folder: Path, suffix: str, planned: set[str], stem: str) -> bool:
    """Whether a batch file named `stem` + `suffix` is in `folder` already, or planned there (a photo's report)."""
    return f"{stem}{suffix}".casefold() in planned or (folder / f"{stem}{suffix}").exists()


def outputs_over_photos(items: Sequence[ReportItem], out_dir: str | Path, formats: Sequence[str]) -> list[Path]:
    """The reports that would replace a photo being reported on (see `naming.over_photos`)."""
    return over_photos((path for _, path, _ in planned_outputs(items, out_dir, formats)), (i.analysis.source for i in items))


def existing_outputs(items: Sequence[ReportItem], out_dir: str | Path, formats: Sequence[str]) -> list[Path]:
    """The files `export_reports` would replace: an earlier export's reports of photos with the same names (camera
    names such as IMG_0001 repeat), which the caller confirms before anything is lost."""
    return [path for _, path, _ in planned_outputs(items, out_dir, formats) if path.exists()]


def export_reports(
    items: Sequence[ReportItem],
    out_dir: str | Path,
    formats: Sequence[str],
    page_size: str = "A4",
    officer: str = "",
    pdfa: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    beside: bool = False,
) -> ExportResult:
    """Write per-photo PDF/PNG, the batch summary (with 'pdf' for 2+ photos, or 'summary'), CSV and JSON; `beside`
    earlier files of the same names, numbered (`planned_outputs`), instead of over them.

    Raises OutputError (clear message naming the file) when a file cannot be
    written and ReportCancelled when `should_cancel()` becomes true.
    """
    plan = planned_outputs(items, out_dir, formats, beside)
    result = ExportResult()
    not_drawn: dict[int, tuple[list[str], str]] = {}  # item index -> the formats not drawn, and why
    pdf_names = {index: path.name for kind, path, index in plan if kind == "pdf"}
    cancelled = should_cancel or (lambda: False)
    owned = False  # whether the current photo's pixels were loaded here
    try:
        for step, (kind, path, index) in enumerate(plan):
            if cancelled():
                raise ReportCancelled()
            if progress is not None:
                progress(step, len(plan), path.name)
            item = items[index] if index is not None else None  # a photo's own output; None for the whole batch's
            if item is not None and index is not None:
                owned = owned or item.image is None  # loaded here: dropped after its last output (memory stays flat)
                try:
                    if kind == "pdf":
                        result.pages[path] = write_pdf_report(path, item, page_size, officer, pdfa, now, cancelled)
                    else:
                        save_annotated_png(path, item.load_image(), item.analysis, item.decision_text)
                    result.files.append(path)
                except (ValueError, TypeError, KeyError, IndexError, AttributeError) as damaged:  # e.g. an edited JSON
                    log.exception("the %s report of %s could not be drawn", kind, item.analysis.source)
                    not_drawn.setdefault(index, ([], str(damaged)))[0].append(kind.upper())
                if owned and (step + 1 == len(plan) or plan[step + 1][2] != index):
                    item.image, owned = None, False
                continue
            if kind == "summary":
                links = [pdf_names.get(i) for i in range(len(items))]
                # a summary of hundreds of photos takes a while: its thumbnails move the message, not the bar
                each = None if progress is None else (
                    lambda done, total, name, at=step: progress(at, len(plan), f"{SUMMARY_NAME}: photo {done} of {total}"))
                result.pages[path] = write_batch_summary(
                    path, items, page_size, officer, links, pdfa=pdfa, now=now, progress=each, should_cancel=cancelled
                )
            elif kind == "csv":
                write_csv(path, items)
            elif kind == "json":
                write_json(path, items)
            result.files.append(path)
    except (ReportCancelled, OutputError) as stop:
        stop.written = list(result.files)  # finished before the stop or failure, kept
        raise
    if any(kind in PER_PHOTO_FORMATS or kind == "summary" for kind, _, _ in plan):
        result.undrawable = undrawable(" ".join(_drawn_words(items, officer)))
    result.photo_problems = [f"{item.name}: {item.photo_problem}; its report shows none"
                             for item in items if item.photo_problem and not item.analysis.errors]  # errors say it already
    result.not_drawn = [f"{items[index].name}: its {' and '.join(kinds)} report{'s' * (len(kinds) > 1)} could not be drawn "
                        f"({why}); the other reports were written" for index, (kinds, why) in not_drawn.items()]
    if progress is not None:
        progress(len(plan), len(plan), "done")
    return result
