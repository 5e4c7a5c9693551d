"""The project's own errors. Library code raises these; only the CLI turns them into messages."""


class PipelineError(Exception):
    """Base class: an error the CLI reports in one line, with what to try next."""

    hint = ""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        if hint:
            self.hint = hint


class ConfigError(PipelineError):
    """A settings or data file (catalog, thresholds, weights) is missing or invalid."""

    hint = "check the file named in the message against the shipped default in pipeline/data/"


class InputError(PipelineError):
    """The input folder or a gold file cannot be used as given."""


class ContractError(PipelineError):
    """A table about to be written does not have its declared columns or types."""

    hint = "this is a bug in the pipeline; please report it with the input that caused it"


class DocumentError(PipelineError):
    """One input file cannot be read. Caught per file: it becomes a `failed` row, never a crash.

    ``status`` is the documents-table status the file gets (``failed`` or ``needs_ocr``).
    """

    def __init__(self, reason: str, status: str = "failed"):
        super().__init__(reason)
        self.reason = reason
        self.status = status
