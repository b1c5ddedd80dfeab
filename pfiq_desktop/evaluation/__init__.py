"""Scientific evaluation of the pixel-level quality maps and the scalar quality (Qt-free).

`run.evaluate` orchestrates deletion/insertion curves (curves.py), synthetic-occluder
localisation (occlusion.py), the ICAO defect comparison (defects.py), the ISO/IEC
29794-1 error-versus-discard characteristic of the scalar quality (edc.py) and its
test-retest stability under harmless changes (stability.py), and writes CSV,
Markdown and PNG figures (figures.py). `pfiq evaluate` is the command line (cli/evaluate.py).
"""
