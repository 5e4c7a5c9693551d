"""Extraction: text in, metric and practice rows out (pure: no files, no printing).

    from pipeline.extract import load_catalog, make_tokenizer, extract_document
    catalog = load_catalog()            # pipeline/data/catalog.yaml, or a path
    tok = make_tokenizer()              # jieba.Tokenizer with pipeline/data/user_dict.txt
    metric_rows, practice_rows = extract_document(doc, catalog, tok)

Metric rows have the columns of ``contracts.TABLES["metrics"]``: one row per metric found in the
document, with its evidence sentence, the span of the number, the rule that fired and the
section. Practice rows have the columns of ``contracts.TABLES["practices"]``: one row per
catalog practice, ``present`` True or False with the sentence that decided it.
"""

from pipeline.extract.catalog import Catalog, load_catalog
from pipeline.extract.document import extract_document
from pipeline.extract.tokenizer import make_tokenizer

__all__ = ["Catalog", "extract_document", "load_catalog", "make_tokenizer"]
