"""Read township rule-of-law government reports, extract metrics with evidence, compare townships.

The stages, each a subpackage with one job:

- ``pipeline.ingest``: the only code that opens raw files; returns cleaned documents.
- ``pipeline.extract``: text in, metric and practice rows out (pure).
- ``pipeline.analyze``: tables in, tables out (comparisons, scores, flags, similarity).
- ``pipeline.report``: charts, the Excel workbook and the HTML report.

``pipeline.run`` wires them together; ``pipeline.cli`` is the command line.
"""

__version__ = "0.1.0"
