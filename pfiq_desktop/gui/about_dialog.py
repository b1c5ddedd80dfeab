"""About and help: version, model files with SHA-256, how to read the map, the checklist and the renewal check."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from pfiq_desktop import APP_NAME, __version__, appdirs
from pfiq_desktop.engine.deviation_bands import CLEARLY_LOWER
from pfiq_desktop.engine.findings import TYPICAL_RANGE
from pfiq_desktop.engine.icao.headpose import POSE_UNCERTAINTY_DEG
from pfiq_desktop.engine.icao.mm_geometry import CROWN_OVERSHOOT
from pfiq_desktop.engine.icao.pose import POSE_WORDS
from pfiq_desktop.engine.icao.registry import CHECK_BY_EYE, IMPRECISE
from pfiq_desktop.engine.models import USED_MODELS, ModelFileError, model_sha256, verified_model_path
from pfiq_desktop.gui.decision_panel import ACCEPT_FROM_NOTE_KEY
from pfiq_desktop.gui.widgets import named
from pfiq_desktop.logs import current_log_file
from pfiq_desktop.palette import OPPOSE_SCALE, STATUS_LABELS, SUPPORT_SCALE, deviation_legend
from pfiq_desktop.reports.comparison_figure import OTHER_BELOW, RENEWAL_TITLE, SAME_AT_OR_ABOVE, SCORE_WORDS

_HEATMAP_HELP = """
<a name="map"></a><h3>How to read the map</h3>
<p>The right-hand image shows, for every place of the face, how useful it is to the face recognition
network <b>compared with compliant passport photos at the same place</b>. A compliant photo stays
mostly uncoloured: scattered small spots are usual (compliant photos: {typical} of the face). Colour means
lower than in compliant photos:
{somewhat}, {clearly} (also outlined in white on both images), {much}. Values are in
units of how much compliant photos vary there: 0 is as usual, {clearly_level:g} and below is clearly lower.</p>
<ul>
<li>An outlined eye area often means a covered eye: sunglasses, a patch, glare or hair.</li>
<li>An outlined forehead often means a cap, hat or hair over the forehead.</li>
<li>Closed eyes, face masks and skin-coloured or plain covers seldom show on the map (a mask at most at its
edges): the checklist finds them. Under side light the outlines can fall on the lit half of the face.</li>
<li>Blur, exposure and low resolution concern the whole face: the map compares places within the
face, so the checklist and the overall quality gauge report those.</li>
<li>Uncoloured does not prove unobstructed: a skin-coloured cover barely lowers the map.</li>
</ul>
<p>The <b>Findings</b> above the checklist say in words what the map and the checklist found. Click a
check to see where it looked; hover over the map to read a value. Press M for the pixel-level quality
map (PLQ), the paper's own (red low · blue high, 0..1; compare places within one face only, as its level
differs from photo to photo, and a plain cover can read high), and C for the aligned face crop the network
analysed.</p>
<p>Method: pixel-level face image quality, Terhörst et al., "Pixel-Level Face Image Quality
Assessment for Explainable Face Recognition"; the comparison with compliant photos is this
application's (docs/EVALUATION.md).</p>
"""

_CHECKLIST_HELP = """
<a name="checklist"></a><h3>How to read the checklist</h3>
<p>Each check gives its verdict, what it measured and the profile's bounds; click it to see where it looked.</p>
<ul>
<li><b>{fail}</b>: the photo does not meet the profile. <b>{warn}</b>: near a limit, or a measurement that cannot
tell pass from fail ("{imprecise} ... {check_by_eye}"). <b>{not_assessable}</b>: the
check could not look (no face, the photo stored sideways, a head turned too far, a mask over what it reads); the
reason says why.</li>
<li>Head pose is read from the face's landmarks to about ± {pitch:g} degrees (tilt up or down), ± {yaw:g} (turn) and
± {roll:g} (sideways tilt), often wider than the profile's limit. A reading within the limit passes and says how far it
may be off; one past the limit by less than that asks you to look; only a clearer turn or tilt fails. The strict
profile passes only readings the landmarks confirm, so there most head poses are left to your eye. Angles are signed:
{positive}. Under a mask the turn and the tilt up or down are not judged: the landmarks there are guessed.</li>
<li>The top of the head is estimated from the face: in 9 of 10 photos the estimate lies less than {overshoot:.0f} % of
the head's height above the real top of the hair. A head that seems to reach past the top edge by less than that is
left to your eye ("Whole head {imprecise}"); a clearer cut fails. A face cropped through the forehead is not judged for a
head covering.</li>
<li>The profile list above the checklist chooses the bounds (hover over it for each profile's title). Your decision
records the profile it was made under.</li>
<li>Not checked by this application: where the eyes look (the gaze towards the camera). Judge it by eye.</li>
</ul>
<a name="renewal"></a><h3>{renewal_title}</h3>
<p>Decision ▸ Renewal check compares the photo on screen (A, the new photo) with the person's earlier
photo (B, the reference photo). The face recognition network scores the pair ({score_words}): {same} the upper
threshold, {other} the lower one (the dialog shows both and how often strangers' photos reach them); in between it cannot
tell, and you compare the faces yourself. The maps cover the faces only: green ("{support}") is the detail the network
used for the score, there for strangers too, and red ("{oppose}") where the two faces differ more than two clean photos
of one person do, or a face shows less of itself. The score decides; the maps show where to look. Your next decision on
photo A records the reference photo; accepting a photo whose reference is not the same person needs a note written
after the check (a decision saved before it does not hold it: decide again). A new photo that is not in the list:
drag it onto the window, which adds it (File ▸ Open files replaces the list; opening the folder again returns to the
photo you were on).</p>
"""
CHECKLIST_HELP = _CHECKLIST_HELP.format(
    fail=STATUS_LABELS["fail"], warn=STATUS_LABELS["warn"], not_assessable=STATUS_LABELS["not_assessable"],
    imprecise=IMPRECISE, check_by_eye=CHECK_BY_EYE, overshoot=100 * CROWN_OVERSHOOT,
    support=SUPPORT_SCALE.title, oppose=OPPOSE_SCALE.title,
    pitch=POSE_UNCERTAINTY_DEG["pitch"], yaw=POSE_UNCERTAINTY_DEG["yaw"], roll=POSE_UNCERTAINTY_DEG["roll"],
    positive=", ".join(f"a positive {axis} is {words[1]}" for axis, words in POSE_WORDS.items()),
    renewal_title=RENEWAL_TITLE, score_words=SCORE_WORDS, same=SAME_AT_OR_ABOVE.lower(), other=OTHER_BELOW.lower(),
)


def _swatch(words: str, colour: str) -> str:
    """A legend band's short words on its own colour, in white where the colour is dark and in black elsewhere (the
    theme's text colour was white on pale yellow in the dark theme)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    text = "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 128 else "black"
    return f"<span style='background:{colour};color:{text}'>&nbsp;{words}&nbsp;</span>"


# the map's bands in the words and colours of its legend (palette.deviation_legend: one owner for both)
_much, _clearly, _somewhat = (_swatch(short, colour) for short, colour in deviation_legend(short=True) if colour)
HEATMAP_HELP = _HEATMAP_HELP.format(somewhat=_somewhat, clearly=_clearly, much=_much, clearly_level=CLEARLY_LOWER,
                                    typical=TYPICAL_RANGE)

# keys that are not menu entries; the menus' own keys are listed from the window's actions (one owner: the menu)
OTHER_KEYS = (
    ("↑ ↓ Home End", "previous / next / first / last photo (in the browser; ↑ ↓ also on the photo)"),
    (ACCEPT_FROM_NOTE_KEY, "in the note: accept with it (a photo whose checks failed needs one); Tab or Esc leaves the note"),
)


def shortcuts_html(actions: Iterable[QAction] = ()) -> str:
    """The keyboard table: the keys above, then every menu entry with a key, in menu order, with its tip."""
    rows = [*OTHER_KEYS, *((action.shortcut().toString(QKeySequence.SequenceFormat.NativeText), _described(action))
                           for action in actions if not action.shortcut().isEmpty())]
    cells = "".join(f"<tr><td><b>{html.escape(key)}</b></td><td>{html.escape(words)}</td></tr>" for key, words in rows)
    return f"<a name='keys'></a><h3>Keyboard</h3><table>{cells}</table>"


def _described(action: QAction) -> str:
    text = action.text().replace("&", "").removesuffix("…")
    return f"{text} ({action.statusTip()})" if action.statusTip() else text


def model_rows() -> str:
    """Each model file with its pinned SHA-256 and whether the installed file matches it."""
    rows = []
    for name in USED_MODELS:
        try:
            rows.append((name, f"verified: {verified_model_path(name)}", model_sha256(name)))
        except ModelFileError as exc:
            rows.append((name, f"NOT USABLE: {exc}", model_sha256(name)))
    return "".join(
        f"<tr><td>{html.escape(n)}</td><td><code>{html.escape(s)}</code><br><small>{html.escape(p)}</small></td></tr>"
        for n, p, s in rows
    )


def files_html() -> str:
    """Where this installation keeps its data: the officer (or support) needs these paths."""
    log_file = current_log_file() or appdirs.log_path()
    rows = (("Log file", log_file), ("Decisions (review store)", appdirs.store_path()),
            ("Analysis cache", appdirs.cache_path()), ("Settings", appdirs.settings_path()),
            ("Your threshold profiles (*.toml, offered by file name)", appdirs.profiles_dir()))
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(str(v))}</code></td></tr>" for k, v in rows)
    return f"<h3>Files</h3><table cellpadding='3'>{cells}</table>"


def about_html(actions: Iterable[QAction] = ()) -> str:
    return (
        f"<h2>{APP_NAME} {__version__}</h2>"
        "<p>Offline assessment of face photos for identity documents: ICAO checklist with evidence and "
        "pixel-level quality maps. No data leaves this computer.</p>"
        "<h3>Model files</h3><table cellpadding='3'>" + model_rows() + "</table>"
        + files_html() + HEATMAP_HELP + CHECKLIST_HELP + shortcuts_html(actions)
    )


# F1's page is long: its first line goes to each part (the keyboard table, sought most, was at the very bottom)
HELP_CONTENTS = " · ".join(f'<a href="#{anchor}">{words}</a>' for anchor, words in (
    ("map", "The map"), ("checklist", "The checklist"), ("renewal", "Renewal check"), ("keys", "Keyboard")))


def help_html(actions: Iterable[QAction] = ()) -> str:
    return f"<p>{HELP_CONTENTS}</p>" + HEATMAP_HELP + CHECKLIST_HELP + shortcuts_html(actions)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, help_only: bool = False, actions: Sequence[QAction] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("How to read the results" if help_only else f"About {APP_NAME}")
        self.resize(640, 560)
        self.text = named(QTextBrowser(), "aboutText")
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(help_html(actions) if help_only else about_html(actions))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
