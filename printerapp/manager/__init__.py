"""The system: one supervised ippeveprinter per printer, kept across restarts.

* :mod:`.system` -- the Manager: devices in, queues out, state.json;
* :mod:`.queue` / :mod:`.ippeve` -- one ippeveprinter: argv, readiness, crashes, adoption;
* :mod:`.ports` / :mod:`.procfs` / :mod:`.adopt` -- race-free ports, orphans after a crash;
* :mod:`.drivers` / :mod:`.driver_worker` -- the driver database, asked per hot-plug;
* :mod:`.resubmit` / :mod:`.ipp_request` / :mod:`.ipp_post` -- kept jobs go back to their queue;
* :mod:`.daemon` / :mod:`.control` / :mod:`.settings` -- ``printerapp server`` and its API;
* :mod:`.cli_server` / :mod:`.cli_clients` / :mod:`.client` -- the commands;
* :mod:`.demo` -- ``--demo``'s simulated network printer.
"""
