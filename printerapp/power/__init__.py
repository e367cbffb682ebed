"""Smart plugs: drivers, the power-on hook, idle power-off and energy.

* :mod:`.plug` -- the small abstract base and the table of drivers
  (:mod:`.kasa`, :mod:`.tapo`, :mod:`.shelly`, :mod:`.tasmota`, :mod:`.command`);
* :mod:`.retry` -- the one retry policy; :mod:`.credentials` -- env or a 0600 file;
* :mod:`.hook` / :mod:`.readiness` -- switch on before a job, wait until the printer answers;
* :mod:`.idle` / :mod:`.controller` -- the idle state machine and its asyncio driver;
* :mod:`.energy` -- per-job and daily energy in SQLite;
* :mod:`.serverpower` -- plugs for the server's queues; :mod:`.cupspower` -- for a CUPS server;
* :mod:`.backend_wrapper` -- the ``power:`` CUPS backend; :mod:`.cli_plugs` -- ``printerapp plugs``.
"""
