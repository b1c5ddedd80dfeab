"""Outputs for people and other systems: annotated images, PDF reports, CSV/JSON exports."""
