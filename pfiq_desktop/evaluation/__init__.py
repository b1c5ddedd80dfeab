"""Scientific evaluation of the pixel-level quality maps and the scalar quality (Qt-free).

`run.evaluate` orchestrates deletion/insertion curves (curves.py), synthetic-occluder
localisation (occlusion.py), the ICAO defect comparison (defects.py) and the
error-versus-discard characteristic of the scalar quality (edc.py), and writes CSV,
Markdown and PNG figures (figures.py). `pfiq evaluate` is the command line (cli.py).
"""
