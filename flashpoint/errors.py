"""The error tree. Every error carries a code and a message that names the input and the fix.

Library functions raise these; only the CLI and the HTTP API translate them for users (the CLI's
exit codes: `flashpoint --help`). Each class has its own code (tests/test_errors.py keeps this
drawing equal to the classes):

    FlashpointError              E000
        InputError               E100
            EmptyInputError      E101
            BinaryInputError     E102
            EncodingError        E103
            JSONLineError        E104
            TooLargeError        E105
            FetchError           E106
                PrivateAddressError  E107
            FeedError            E108
            NotArticleError      E109
            PageTooComplexError  E110
        ModelNotFoundError       E200
        DataFileError            E300
        ConfigError              E400
        StoreError               E500
        EngineError              E600
        StageError               E700
"""

from __future__ import annotations


class FlashpointError(Exception):
    """Base of every error flashpoint raises on purpose."""

    code = "E000"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(f"[{self.code}] {prefix}{message}")
        self.message = message

    def __reduce__(self):
        # Errors cross process boundaries (engine workers); rebuild them as they were, whatever
        # a subclass's __init__ takes.
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls: type[FlashpointError], args: tuple, state: dict) -> FlashpointError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class InputError(FlashpointError):
    """An input could not be read as an article (empty, binary, bad encoding, bad JSON)."""

    code = "E100"


class EmptyInputError(InputError):
    code = "E101"


class BinaryInputError(InputError):
    code = "E102"


class EncodingError(InputError):
    code = "E103"


class JSONLineError(InputError):
    code = "E104"


class TooLargeError(InputError):
    code = "E105"


class FetchError(InputError):
    """A URL or feed could not be fetched: timeout, network error, HTTP error status, too large."""

    code = "E106"


class PrivateAddressError(FetchError):
    """A URL points at a private, loopback or link-local address and private fetching is off."""

    code = "E107"


class FeedError(InputError):
    """A feed's body is not RSS or Atom."""

    code = "E108"


class NotArticleError(InputError):
    """A page is not HTML or has no main text to code."""

    code = "E109"


class PageTooComplexError(InputError):
    """A page has more markup than any news page needs; extracting its text could take minutes."""

    code = "E110"


class ModelNotFoundError(FlashpointError):
    """No spaCy English pipeline is installed."""

    code = "E200"


class DataFileError(FlashpointError):
    """A lexicon, mapping or actor file is malformed."""

    code = "E300"


class ConfigError(FlashpointError):
    """An option has a value flashpoint cannot use."""

    code = "E400"


class StoreError(FlashpointError):
    """The event store cannot be opened or written: disk full, locked, or made by a newer flashpoint."""

    code = "E500"


class StageError(FlashpointError):
    """A stage raised on an article: a bug to report, kept to that one article."""

    code = "E700"

    def __init__(self, stage_name: str, exc: Exception) -> None:
        super().__init__(f"stage {stage_name!r} failed: {type(exc).__name__}: {exc}; please report this with the input")
        self.stage = stage_name


class EngineError(FlashpointError):
    """A batch run lost a worker (killed, out of memory) or its Ray cluster; what was stored is kept."""

    code = "E600"
