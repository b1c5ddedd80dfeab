"""`pfiq embed PHOTO [--all]`: the recogniser's 128-D embedding as JSON (cross-check with dlib)."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from pfiq_desktop.cli.common import EXIT_OK, EXIT_PHOTO_PROBLEM, add_engine_options, error


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("embed", help="print the 128-D embedding of the main face (or every face) as JSON")
    parser.add_argument("image")
    parser.add_argument("--all", action="store_true", help="one embedding per face found, best detection first")
    add_engine_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pfiq_desktop.engine.analyzer import Analyzer

    analysis = Analyzer(device=args.device, profile=args.profile, backbone=args.backbone).analyse(args.image)
    if not analysis.ok or not analysis.faces:
        error("; ".join(analysis.errors) or f"no face found in {args.image}")
        return EXIT_PHOTO_PROBLEM
    faces = analysis.faces if args.all else analysis.faces[:1]
    records = [
        {"face": i + 1, "box": list(face.box), "embedding": [round(v, 7) for v in np.asarray(face.embedding, float).tolist()]}
        for i, face in enumerate(faces)
    ]
    if len(analysis.faces) > 1 and not args.all:
        print(f"note: {len(analysis.faces)} faces found; this is face 1 (box {analysis.faces[0].box}, "
              "the best detection); --all prints every face", file=sys.stderr)
    print(json.dumps({"file": args.image, "faces": len(analysis.faces), **({"embeddings": records} if args.all else records[0])}))
    return EXIT_OK
