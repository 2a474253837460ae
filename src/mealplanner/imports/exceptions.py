"""Import errors: each carries a stable code and a message safe to show to the user."""

from __future__ import annotations

from mealplanner.core.errors import AppError


class ImportFileError(Exception):
    """The whole file is refused (hostile archive, unknown format, unreadable text)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class RecipeSkipped(Exception):
    """One recipe of a batch cannot be imported; the rest of the batch goes on."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ImportNotFound(AppError):
    status_code = 404
    code = "NOT_FOUND"
    message = "Import not found"


class UrlImportFailed(AppError):
    """One answer for refused, unreachable and non-recipe addresses (no probing oracle)."""

    status_code = 400
    code = "IMPORT_FAILED"
    message = "No recipe could be imported from this address"


class UploadRefused(AppError):
    status_code = 400
    code = "IMPORT_FILE_REFUSED"
    message = "The file cannot be imported"
