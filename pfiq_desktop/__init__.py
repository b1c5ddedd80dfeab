"""PFIQ Desktop: explainable, pixel-level face image quality for identity documents."""

__version__ = "0.1.0"
APP_NAME = "PFIQ Desktop"
