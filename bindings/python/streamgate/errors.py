# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""Exceptions raised by streamgate: one class per C++ StatusCode, all under ``streamgate.Error``.

Each carries ``code`` (a :class:`streamgate.StatusCode`) and ``message`` (the C++ Status message,
unchanged). Where a built-in exception has the same meaning, the class derives from it too, so
``except LookupError`` catches :class:`NotFoundError` and ``except ValueError`` catches
:class:`InvalidArgumentError`.
"""

from ._streamgate import StatusCode


class Error(Exception):
    """A non-OK Status from libstreamgate."""

    code = StatusCode.UNKNOWN

    def __init__(self, message="", code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = StatusCode(int(code))

    def __str__(self):
        return f"{self.code.name}: {self.message}"

    def __repr__(self):
        return f"{type(self).__name__}({self.message!r})"


class CancelledError(Error):
    code = StatusCode.CANCELLED


class UnknownError(Error):
    code = StatusCode.UNKNOWN


class InvalidArgumentError(Error, ValueError):
    code = StatusCode.INVALID_ARGUMENT


class DeadlineExceededError(Error):
    code = StatusCode.DEADLINE_EXCEEDED


class NotFoundError(Error, LookupError):
    code = StatusCode.NOT_FOUND


class AlreadyExistsError(Error):
    code = StatusCode.ALREADY_EXISTS


class PermissionDeniedError(Error):
    code = StatusCode.PERMISSION_DENIED


class ResourceExhaustedError(Error):
    code = StatusCode.RESOURCE_EXHAUSTED


class FailedPreconditionError(Error):
    code = StatusCode.FAILED_PRECONDITION


class AbortedError(Error):
    code = StatusCode.ABORTED


class OutOfRangeError(Error):
    code = StatusCode.OUT_OF_RANGE


class UnimplementedError(Error, NotImplementedError):
    code = StatusCode.UNIMPLEMENTED


class InternalError(Error):
    code = StatusCode.INTERNAL


class UnavailableError(Error):
    code = StatusCode.UNAVAILABLE


class DataLossError(Error):
    code = StatusCode.DATA_LOSS


class UnauthenticatedError(Error):
    code = StatusCode.UNAUTHENTICATED


_BY_CODE = {
    cls.code: cls
    for cls in (CancelledError, UnknownError, InvalidArgumentError, DeadlineExceededError,
                NotFoundError, AlreadyExistsError, PermissionDeniedError, ResourceExhaustedError,
                FailedPreconditionError, AbortedError, OutOfRangeError, UnimplementedError,
                InternalError, UnavailableError, DataLossError, UnauthenticatedError)
}


def _from_status(code, message):
    """The exception for a C++ Status (called by the extension's exception translator)."""
    status_code = StatusCode(code)
    return _BY_CODE.get(status_code, Error)(message, status_code)


def error_class(code):
    """The Error subclass raised for ``code``."""
    return _BY_CODE.get(StatusCode(int(code)), Error)


__all__ = ["Error", "error_class"] + [cls.__name__ for cls in _BY_CODE.values()]
