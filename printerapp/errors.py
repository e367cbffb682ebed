"""The one exception tree of printerapp.

Every error the package raises derives from :class:`PrinterAppError`, with one
branch per layer.  Foreign exceptions (OSError, subprocess failures, library
errors) are wrapped at the boundary with ``raise ... from exc`` so callers only
ever need to catch our own types.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "ConfigError",
    "DetectionError",
    "DnssdError",
    "DriverError",
    "DriverListError",
    "DriverProgramError",
    "FilterChainError",
    "FilterFailedError",
    "FilterRejectedError",
    "InputError",
    "IppError",
    "JobCancelledError",
    "JobError",
    "JobLimitError",
    "MalformedLineError",
    "MimeError",
    "NoChainError",
    "PPDError",
    "PlugUnreachableError",
    "PowerError",
    "PowerWatchError",
    "PrinterAppError",
    "PrinterProcessError",
    "SuppliesError",
    "UnknownDocumentError",
    "UnknownPrinterError",
    "UnknownTypeError",
]


class PrinterAppError(Exception):
    """Root of every error raised by printerapp."""


class ConfigError(PrinterAppError):
    """A configuration value or file is invalid."""


class InputError(PrinterAppError):
    """A value a client sent (an HTTP request, a form) is malformed."""


class UnknownDocumentError(InputError):
    """A client named a kept or held document that does not exist (any more)."""


class IppError(PrinterAppError):
    """An IPP request could not be sent, or what came back is not an IPP answer."""


class DnssdError(PrinterAppError):
    """A service could not be announced with DNS-SD (avahi-daemon)."""


class DetectionError(PrinterAppError):
    """Device discovery (udev, mDNS, CUPS backends) failed."""


class MalformedLineError(DetectionError):
    """A backend printed a discovery line that cannot be parsed."""


class SuppliesError(PrinterAppError):
    """A printer's supplies and status could not be read (SNMP); pollers report "unknown"."""


class DriverError(PrinterAppError):
    """The driver (PPD) layer failed."""


class PPDError(DriverError):
    """A PPD file is missing, unreadable or malformed."""


class DriverListError(DriverError):
    """A driver program printed a ``list`` line that cannot be parsed."""


class DriverProgramError(DriverError):
    """A driver program failed, hung (and was killed) or printed nothing usable."""


class FilterChainError(PrinterAppError):
    """The MIME database or the filter chain could not be built."""


class MimeError(FilterChainError):
    """A MIME ``.types``/``.convs`` source could not be read."""


class NoChainError(FilterChainError):
    """No filter chain converts the document to the printer's format."""


class UnknownTypeError(FilterChainError):
    """The document's MIME type is unknown to the database or cannot be determined."""


class FilterRejectedError(FilterChainError):
    """A filter program is missing, not executable or insecurely writable."""


class JobError(PrinterAppError):
    """Running a print job failed."""


class FilterFailedError(JobError):
    """A filter in the chain exited non-zero or died by a signal."""


class JobCancelledError(JobError):
    """The job was cancelled (SIGTERM from ippeveprinter); its processes were stopped."""


class JobLimitError(JobError):
    """The job ran past its time limit, or a process of it past its CPU limit."""


class BackendError(JobError):
    """The CUPS backend reported failure; ``exit_code`` follows CUPS."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class PrinterProcessError(PrinterAppError):
    """An ippeveprinter queue process could not be started or supervised."""


class UnknownPrinterError(PrinterProcessError):
    """No printer has the name asked for."""


class PowerError(PrinterAppError):
    """A smart plug could not be driven."""


class PlugUnreachableError(PowerError):
    """The plug did not answer; the only power error worth retrying."""


class PowerWatchError(PowerError):
    """A print queue could not be listed over IPP (Get-Jobs) for the idle watch."""
