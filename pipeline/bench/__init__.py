"""The benchmark: ``python -m pipeline.bench`` (``make bench``).

Synthetic corpora (pipeline.samples.synthetic) at several sizes and a PDF set; the pipeline's
``extract`` and ``analyze`` timed as whole processes (process.py, timed.py) next to what a user
would otherwise run (baselines.py); a table of the ratios and processed/bench.json
(suite.py, table.py). Nothing here is imported by the pipeline itself.
"""
