"""Notice that ippeveprinter cancelled the job we run.

ippeveprinter 2.4 answers Cancel-Job by marking the job
``processing-to-stop-point``, and then waits for the job's command to end
on its own: it sends no signal.  A filter stuck in a loop would keep the
queue busy for good.  So, while the job runs, the job runner asks its own
queue for the job's state about once a second and stops the chain when the
job is being cancelled or aborted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from printerapp.ipp.request import get_job_attributes, job_state

__all__ = ["CANCEL_CHECK_S", "QUEUE_URI_ENV", "cancel_check"]

#: the queue's own URI (``ipp://127.0.0.1:PORT/ipp/print``), set by the manager
QUEUE_URI_ENV = "PRINTERAPP_QUEUE_URI"
#: how often a running job looks at its state
CANCEL_CHECK_S = 1.0
_TIMEOUT_S = 2.0
#: job-state canceled (7) and aborted (8), RFC 8011 5.3.7
_ENDED = frozenset({7, 8})


def cancel_check(env: Mapping[str, str]) -> Callable[[], bool] | None:
    """Return a check that says True once the job is being cancelled (None: cannot tell)."""
    uri, job_id = env.get(QUEUE_URI_ENV, ""), env.get("IPP_JOB_ID", "")
    parts = urlsplit(uri)
    if parts.scheme != "ipp" or not parts.hostname or not job_id.isdigit():
        return None
    host, port, path = parts.hostname, parts.port or 631, parts.path or "/ipp/print"
    request = get_job_attributes(uri, int(job_id))

    def cancelled() -> bool:
        import http.client  # a job pays for it only once it has run a second

        connection = http.client.HTTPConnection(host, port, timeout=_TIMEOUT_S)
        try:
            connection.request("POST", path, request, {"Content-Type": "application/ipp"})
            body = connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            return False  # the queue is busy or gone: ask again later
        finally:
            connection.close()
        state, reasons = job_state(body)
        return state in _ENDED or "processing-to-stop-point" in reasons

    return cancelled
