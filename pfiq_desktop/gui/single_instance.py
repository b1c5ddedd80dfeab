"""One window per data folder: a second launch hands its photos to the running window and quits.

Opened from the file manager while the application ran, each photo started a second, independent copy: a second
engine in memory, the officer's name asked again, windows titled alike, and a decision in one refused in the other as
"decided meanwhile, elsewhere" (counter walk-through). The running window listens on a local socket (a named pipe on
Windows) named after the data folder, so two officers' data folders, or a test's, never meet.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from pfiq_desktop import APP_NAME, appdirs

log = logging.getLogger(__name__)

CONNECT_MS = 500  # a running window answers at once; longer means there is none (a socket left by a crash)
SEND_MS = 2000


def server_name() -> str:
    """The socket's name: the application's and a hash of the data folder (a path may not fit a socket's name)."""
    folder = str(appdirs.data_dir().resolve())
    return f"{APP_NAME.replace(' ', '-')}-{hashlib.sha256(folder.encode()).hexdigest()[:16]}"


def hand_over(paths: list[str]) -> bool:
    """Give `paths` (made absolute: the running window has another working folder) to the window running on this data
    folder; False when none answers."""
    socket = QLocalSocket()
    socket.connectToServer(server_name())
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(json.dumps([str(Path(p).absolute()) for p in paths]).encode())
    socket.flush()
    sent = socket.waitForBytesWritten(SEND_MS) or socket.bytesToWrite() == 0
    socket.disconnectFromServer()
    if not sent:
        log.warning("the running window did not take the photos: %s", socket.errorString())
    return sent


class InstanceServer(QObject):
    """Listens for later launches; `opened` carries the paths each one hands over (empty: only come to the front)."""

    opened = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # this user's launches only
        self._server.newConnection.connect(self._on_connection)
        name = server_name()
        if not self._server.listen(name):
            QLocalServer.removeServer(name)  # left by a crash: nothing answered `hand_over` on it
            if not self._server.listen(name):
                log.warning("later launches will open windows of their own: %s", self._server.errorString())

    def _on_connection(self) -> None:
        socket = self._server.nextPendingConnection()
        received = bytearray()

        def read() -> None:
            received.extend(bytes(socket.readAll().data()))

        def finished() -> None:
            read()
            socket.deleteLater()
            try:
                paths = json.loads(received.decode())
            except (UnicodeDecodeError, json.JSONDecodeError):
                log.warning("a later launch sent what is not a list of photos (%d bytes)", len(received))
                return
            if isinstance(paths, list) and all(isinstance(p, str) for p in paths):
                self.opened.emit(paths)

        socket.readyRead.connect(read)
        socket.disconnected.connect(finished)
        if socket.state() != QLocalSocket.LocalSocketState.ConnectedState:  # gone before the signals were connected
            finished()
