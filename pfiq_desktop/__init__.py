"""PFIQ Desktop: explainable, pixel-level face image quality for identity documents."""

__version__ = "0.4.26"
APP_NAME = "PFIQ Desktop"
ORG_NAME = "PFIQ"
