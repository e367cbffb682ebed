"""Smart plugs and the power policy around jobs.

* :mod:`.plugs` -- the drivers behind one small abstract base, with credentials and retry;
* :mod:`.hook` / :mod:`.readiness` -- switch on before a job, wait until the printer answers;
* :mod:`.idle` / :mod:`.controller` -- the idle state machine and its asyncio driver;
* :mod:`.energy` -- per-job and daily energy in SQLite; :mod:`.events` -- job reports;
* :mod:`.jobs` -- a queue's active jobs over IPP; :mod:`.settings` -- ``[power]``;
* :mod:`.prewarm` -- a print dialog's request told from a status poll (pre-warm);
* :mod:`.cupspower` / :mod:`.backend_wrapper` -- for a plain CUPS server.

The server's own queues get their plugs in :mod:`printerapp.server.power`.
"""
